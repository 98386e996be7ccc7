# Tightly converged reference values of influence(), leave1out() and cumul() (metafor 3.8.1),
# for anagen's exact default in leave_one_out / influence_diagnostics / cumulative.
#
# Re-run from the repository root:   Rscript tests/evidence/metafor/make_reference_tight_influence.R
# (Debian: apt-get install r-cran-metafor). It writes reference_tight_influence.json. Every fit
# uses control = list(threshold = 1e-12, stepadj = 0.5, maxiter = 10000, tol = 1e-12); the
# refits of influence(), leave1out() and cumul() inherit the model's control. Datasets as in
# make_reference_tight.R (including tau2 on the zero boundary and near it).
suppressMessages(library(metafor))
suppressMessages(library(jsonlite))
stopifnot(packageVersion("metafor") >= "3.8")

out_file <- file.path("tests", "evidence", "metafor", "reference_tight_influence.json")
tight <- list(threshold = 1e-12, stepadj = 0.5, maxiter = 10000, tol = 1e-12)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets <- list(
  bcg = list(yi = signif(as.numeric(bcg$yi), 15), vi = signif(as.numeric(bcg$vi), 15)),
  homog = list(yi = c(0.20, 0.22, 0.18, 0.21, 0.19, 0.23),
               vi = c(0.02, 0.03, 0.025, 0.04, 0.02, 0.05)),
  hetero = list(yi = c(-0.3, 0.9, 0.1, 1.4, 0.5, -0.1, 0.7, 1.1),
                vi = c(0.05, 0.08, 0.03, 0.10, 0.06, 0.04, 0.07, 0.09)),
  nearzero = list(yi = c(0.10, 0.25, 0.05, 0.30, 0.18),
                  vi = c(0.020, 0.025, 0.030, 0.022, 0.028))
)

cases <- list()
for (dname in names(datasets)) {
  dd <- datasets[[dname]]
  for (m in c("FE", "DL", "REML", "ML", "PM")) {
    for (knha in c(FALSE, TRUE)) {
      res <- rma(yi = dd$yi, vi = dd$vi, method = m, test = if (knha) "knha" else "z",
                 control = tight)
      inf <- suppressWarnings(influence(res))
      l1 <- suppressWarnings(leave1out(res))
      cu <- suppressWarnings(cumul(res))
      stat <- function(z) if (is.null(z$zval)) z$tval else z$zval
      t2 <- function(z) if (is.null(z$tau2)) rep(0, length(z$estimate)) else z$tau2
      cases[[length(cases) + 1]] <- list(
        dataset = dname, method = m, knha = knha,
        rstudent = inf$inf$rstudent, dffits = inf$inf$dffits, cooks_distance = inf$inf$cook.d,
        cov_ratio = inf$inf$cov.r, tau2_del = inf$inf$tau2.del, q_del = inf$inf$QE.del,
        hat = inf$inf$hat, weight = inf$inf$weight, dfbetas = inf$dfbs$intrcpt,
        influential = as.logical(inf$is.infl),
        loo = list(estimate = l1$estimate, se = l1$se, zval = stat(l1), p = l1$pval,
                   ci_low = l1$ci.lb, ci_high = l1$ci.ub, q = l1$Q, q_p = l1$Qp,
                   tau2 = t2(l1), i2 = l1$I2, h2 = l1$H2),
        cumul = list(estimate = cu$estimate, se = cu$se, zval = stat(cu), p = cu$pvals,
                     ci_low = cu$ci.lb, ci_high = cu$ci.ub, q = cu$Q, q_p = cu$Qp,
                     tau2 = t2(cu), i2 = cu$I2, h2 = cu$H2))
    }
  }
}

ref <- list(
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  control = tight,
  datasets = datasets,
  influence = cases
)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, na = "null"), out_file)
cat("wrote", out_file, "with", length(cases), "cases\n")
