# Tightly converged reference values for anagen's exact default, produced by R metafor itself.
#
# Re-run from the repository root:   Rscript tests/evidence/metafor/make_reference_tight.R
# (Debian: apt-get install r-cran-metafor). It writes reference_tight.json. Every fit uses
# control = list(threshold = 1e-12, stepadj = 0.5, maxiter = 10000, tol = 1e-12) and every
# confint() tol = 1e-12, so metafor lands on the true optimum; anagen's default must agree to
# 1e-6 relative on every field. Datasets include tau2 on the zero boundary, an analysis on which
# metafor's default Fisher scoring oscillates, and k = 2 and k = 3.
suppressMessages(library(metafor))
suppressMessages(library(jsonlite))
stopifnot(packageVersion("metafor") >= "3.8")

out_file <- file.path("tests", "evidence", "metafor", "reference_tight.json")
num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)
tight <- list(threshold = 1e-12, stepadj = 0.5, maxiter = 10000, tol = 1e-12)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets <- list(
  bcg = list(yi = signif(as.numeric(bcg$yi), 15), vi = signif(as.numeric(bcg$vi), 15)),
  small3 = list(yi = c(0.42, 0.15, 0.78), vi = c(0.04, 0.09, 0.06)),
  # tau2 on the boundary for every estimator (Q well below k - 1)
  homog = list(yi = c(0.20, 0.22, 0.18, 0.21, 0.19, 0.23),
               vi = c(0.02, 0.03, 0.025, 0.04, 0.02, 0.05)),
  hetero = list(yi = c(-0.3, 0.9, 0.1, 1.4, 0.5, -0.1, 0.7, 1.1),
                vi = c(0.05, 0.08, 0.03, 0.10, 0.06, 0.04, 0.07, 0.09)),
  pct = list(yi = c(29.0, 31.3, 17.0, 23.2, 8.2, 15.6, 21.5),
             vi = c(30.1, 42.5, 55.0, 18.4, 25.3, 60.2, 38.7)),
  # Q just below k - 1: REML/ML optimum at 0 but Fisher scoring approaches it from above
  nearzero = list(yi = c(0.10, 0.25, 0.05, 0.30, 0.18),
                  vi = c(0.020, 0.025, 0.030, 0.022, 0.028)),
  k2 = list(yi = c(0.2, 0.9), vi = c(0.05, 0.04)),
  k2zero = list(yi = c(0.30, 0.32), vi = c(0.05, 0.04)),
  k3 = list(yi = c(1.2, 0.1, 0.6), vi = c(0.03, 0.05, 0.2)),
  # metafor's default REML Fisher scoring oscillates here (see make_reference.R)
  oscillating = list(
    yi = c(-0.0124033170959159, 0.358908260950556, 0.197423610052076, 0.528248731544236, 0.442742609302335, 0.495261653108005, 0.34408911435048, 0.438700805529576, 0.45840125648996, 0.0867557992611141, 0.405702507019078, 0.642053654188347, 0.0970994974668654, 0.254048602915268, 0.294999809031439, 0.11206658728632, 0.210823541587715, 0.535028952927998, 0.00552229984440178, 0.370145049710312),
    vi = c(0.103211342567884, 0.0713016427882283, 0.0231115716754394, 0.0187472843100308, 0.185635020564841, 0.0890472975966167, 0.17960214148861, 0.0561199198493255, 0.122154975712757, 0.0585435775852761, 0.177663015012307, 0.0525112108033112, 0.113693416420953, 0.193617615088743, 0.148712445167795, 0.115357792438635, 0.0792027878819722, 0.110698767938422, 0.010753274358507, 0.0348331136143658))
)
methods <- c("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")

fields <- function(res, level) {
  pr <- predict(res, level = level)
  ci <- if (res$method == "FE") NULL else
    confint(res, level = level, control = list(tol = 1e-12, maxiter = 10000))$random
  g <- function(row, col) if (is.null(ci)) NA_real_ else num(ci[row, col])
  list(
    k = res$k, estimate = num(res$beta), se = num(res$se), zval = num(res$zval),
    p = num(res$pval), ci_low = num(res$ci.lb), ci_high = num(res$ci.ub),
    tau2 = num(res$tau2), tau2_se = num(res$se.tau2), tau = sqrt(num(res$tau2)),
    i2 = num(res$I2), h2 = num(res$H2), q = num(res$QE), q_df = res$k - 1, q_p = num(res$QEp),
    pi_low = num(pr$pi.lb), pi_high = num(pr$pi.ub),
    tau2_ci_low = g("tau^2", "ci.lb"), tau2_ci_high = g("tau^2", "ci.ub"),
    i2_ci_low = g("I^2(%)", "ci.lb"), i2_ci_high = g("I^2(%)", "ci.ub"),
    h2_ci_low = g("H^2", "ci.lb"), h2_ci_high = g("H^2", "ci.ub"),
    df = if (res$test == "knha") res$k - 1 else NA_real_,
    weights = as.numeric(weights(res))
  )
}

cases <- list()
failed <- list()
for (dname in names(datasets)) {
  d <- datasets[[dname]]
  for (m in methods) {
    for (knha in c(FALSE, TRUE)) {
      res <- try(suppressWarnings(rma(yi = d$yi, vi = d$vi, method = m,
                                      test = if (knha) "knha" else "z", control = tight)),
                 silent = TRUE)
      if (inherits(res, "try-error")) {
        failed[[length(failed) + 1]] <- list(dataset = dname, method = m, knha = knha,
                                             error = as.character(res))
        next
      }
      cases[[length(cases) + 1]] <- list(
        dataset = dname, method = m, knha = knha, level = 0.95,
        expected = suppressWarnings(fields(res, 95)))
    }
  }
}

ref <- list(
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  control = tight,
  datasets = datasets,
  pool = cases,
  failed = failed
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), na = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(cases), "cases;", length(failed), "failed\n")
