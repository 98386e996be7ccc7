# Reference values for anagen's pooling engine, produced by R metafor itself.
#
# Re-run from the repository root:   Rscript tests/evidence/metafor/make_reference.R
# It writes tests/evidence/metafor/reference.json (full double precision). Every rma() call
# uses metafor's default control settings, so the tests check anagen against what a metafor
# user actually gets (including the convergence tolerances of Fisher scoring and uniroot()).
suppressMessages(library(metafor))
suppressMessages(library(jsonlite))
stopifnot(packageVersion("metafor") >= "3.8")

out_file <- file.path("tests", "evidence", "metafor", "reference.json")

num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)

# JSON keeps 15 significant digits, so computed inputs are rounded to 15 digits *before* use:
# R and Python then start from identical doubles.
# ---- datasets ------------------------------------------------------------------------------
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets <- list(
  # BCG vaccine trials, log risk ratios (Colditz et al. 1994), k = 13, heterogeneous
  bcg = list(yi = signif(as.numeric(bcg$yi), 15), vi = signif(as.numeric(bcg$vi), 15),
             ablat = dat.bcg$ablat, year = dat.bcg$year, alloc = as.character(dat.bcg$alloc)),
  # smallest useful random-effects meta-analysis
  small3 = list(yi = c(0.42, 0.15, 0.78), vi = c(0.04, 0.09, 0.06)),
  # homogeneous: Q < k - 1, so DL/REML/... truncate tau2 at 0 and the Q-profile CI is null
  homog = list(yi = c(0.20, 0.22, 0.18, 0.21, 0.19, 0.23),
               vi = c(0.02, 0.03, 0.025, 0.04, 0.02, 0.05)),
  # strongly heterogeneous standardised mean differences
  hetero = list(yi = c(-0.3, 0.9, 0.1, 1.4, 0.5, -0.1, 0.7, 1.1),
                vi = c(0.05, 0.08, 0.03, 0.10, 0.06, 0.04, 0.07, 0.09)),
  # percent change in hair density (units of percent, so variances are large)
  pct = list(yi = c(29.0, 31.3, 17.0, 23.2, 8.2, 15.6, 21.5),
             vi = c(30.1, 42.5, 55.0, 18.4, 25.3, 60.2, 38.7))
)
methods <- c("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")

pool_fields <- function(res, level) {
  pr <- predict(res, level = level)
  ci <- if (res$method == "FE") NULL else confint(res, level = level)$random
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

# ---- pool(): every dataset x method x (z, Knapp-Hartung), plus one other level -------------
pool_cases <- list()
for (dname in names(datasets)) {
  d <- datasets[[dname]]
  for (m in methods) {
    for (knha in c(FALSE, TRUE)) {
      levels <- if (dname == "bcg") c(0.95, 0.90) else 0.95
      for (lev in levels) {
        res <- suppressWarnings(rma(yi = d$yi, vi = d$vi, method = m,
                                    test = if (knha) "knha" else "z", level = 100 * lev))
        pool_cases[[length(pool_cases) + 1]] <- list(
          dataset = dname, method = m, knha = knha, level = lev,
          expected = suppressWarnings(pool_fields(res, 100 * lev)))
      }
    }
  }
}

# ---- fixed tau2 ----------------------------------------------------------------------------
fixed_cases <- list()
for (t2 in c(0, 0.05)) {
  res <- rma(yi = datasets$bcg$yi, vi = datasets$bcg$vi, tau2 = t2)
  fixed_cases[[length(fixed_cases) + 1]] <- list(
    dataset = "bcg", tau2 = t2, estimate = num(res$beta), se = num(res$se),
    i2 = num(res$I2), h2 = num(res$H2), pi_low = num(predict(res)$pi.lb),
    pi_high = num(predict(res)$pi.ub))
}

ref <- list(
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  datasets = datasets,
  methods = methods,
  pool = pool_cases,
  fixed_tau2 = fixed_cases
)

writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), na = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(pool_cases), "pool cases\n")
