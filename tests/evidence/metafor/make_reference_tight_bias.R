# Tightly converged reference values of trimfill() and of subgroup fits (metafor 3.8.1), for
# anagen's exact default in trim_and_fill and subgroup_analysis.
#
# Re-run from the repository root:   Rscript tests/evidence/metafor/make_reference_tight_bias.R
# (Debian: apt-get install r-cran-metafor). It writes reference_tight_bias.json. Every fit uses
# control = list(threshold = 1e-12, stepadj = 0.5, maxiter = 10000, tol = 1e-12). trimfill()
# does NOT pass the model's control to its final refit (metafor 3.8.1 refits the augmented data
# with the default control), so the filled data are refitted here with tight control and the
# estimate, SE, CI and tau2 come from that fit. Datasets and cases as in make_reference.R.
suppressMessages(library(metafor))
suppressMessages(library(jsonlite))
stopifnot(packageVersion("metafor") >= "3.8")

out_file <- file.path("tests", "evidence", "metafor", "reference_tight_bias.json")
tight <- list(threshold = 1e-12, stepadj = 0.5, maxiter = 10000, tol = 1e-12)
num <- function(x) as.numeric(x)[1]

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
datasets <- list(
  bcg = list(yi = signif(as.numeric(bcg$yi), 15), vi = signif(as.numeric(bcg$vi), 15),
             alloc = as.character(dat.bcg$alloc)),
  homog = list(yi = c(0.20, 0.22, 0.18, 0.21, 0.19, 0.23),
               vi = c(0.02, 0.03, 0.025, 0.04, 0.02, 0.05)),
  hetero = list(yi = c(-0.3, 0.9, 0.1, 1.4, 0.5, -0.1, 0.7, 1.1),
                vi = c(0.05, 0.08, 0.03, 0.10, 0.06, 0.04, 0.07, 0.09)),
  pct = list(yi = c(29.0, 31.3, 17.0, 23.2, 8.2, 15.6, 21.5),
             vi = c(30.1, 42.5, 55.0, 18.4, 25.3, 60.2, 38.7))
)

trimfill_cases <- list()
for (dname in c("bcg", "hetero", "pct", "homog")) {
  d <- datasets[[dname]]
  for (m in c("FE", "DL", "REML", "ML", "PM")) {
    for (e in c("L0", "R0")) {
      tf <- suppressWarnings(trimfill(rma(yi = d$yi, vi = d$vi, method = m, control = tight),
                                      estimator = e))
      fin <- rma(yi = as.numeric(tf$yi), vi = as.numeric(tf$vi), method = m, control = tight)
      trimfill_cases[[length(trimfill_cases) + 1]] <- list(
        dataset = dname, method = m, estimator = e, k0 = tf$k0, k0_se = num(tf$se.k0),
        side = tf$side, estimate = num(fin$beta), se = num(fin$se), ci_low = num(fin$ci.lb),
        ci_high = num(fin$ci.ub), tau2 = num(fin$tau2),
        filled_yi = as.numeric(tf$yi[tf$fill]), filled_vi = as.numeric(tf$vi[tf$fill]))
    }
  }
}

sub_cases <- list()
d <- datasets$bcg
for (m in c("FE", "DL", "REML", "ML", "PM")) {
  grp <- d$alloc
  fits <- lapply(unique(grp), function(g)
    rma(yi = d$yi[grp == g], vi = d$vi[grp == g], method = m, control = tight))
  est <- sapply(fits, function(r) num(r$beta))
  sei <- sapply(fits, function(r) num(r$se))
  sep <- rma(yi = est, sei = sei, method = "FE")
  sub_cases[[length(sub_cases) + 1]] <- list(
    method = m, groups = unique(grp), estimate = est, se = sei,
    tau2 = sapply(fits, function(r) num(r$tau2)),
    qb_separate = num(sep$QE), qb_separate_p = num(sep$QEp))
}

ref <- list(
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  control = tight,
  datasets = datasets,
  trimfill = trimfill_cases,
  subgroups = sub_cases
)
writeLines(toJSON(ref, digits = I(15), auto_unbox = TRUE, null = "null", na = "null",
                  pretty = FALSE), out_file)
cat("wrote", out_file, "\n")
