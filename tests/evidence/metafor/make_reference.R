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

# ---- Egger's test: regtest(rma(yi, vi, method = "FE"), model = "lm", predictor = "sei") -----
egger_cases <- list()
for (dname in names(datasets)) {
  d <- datasets[[dname]]
  rt <- regtest(rma(yi = d$yi, vi = d$vi, method = "FE"), model = "lm", predictor = "sei")
  egger_cases[[length(egger_cases) + 1]] <- list(
    dataset = dname, stat = num(rt$zval), p = num(rt$pval), df = num(rt$dfs),
    intercept = num(rt$est), ci_low = num(rt$ci.lb), ci_high = num(rt$ci.ub),
    slope = num(coef(rt$fit)[2]), slope_se = num(summary(rt$fit)$coefficients[2, 2]))
}

# ---- trim and fill: trimfill(rma(yi, vi, method = m), estimator = e) ------------------------
trimfill_cases <- list()
for (dname in c("bcg", "hetero", "pct", "homog")) {
  d <- datasets[[dname]]
  for (m in c("FE", "DL", "REML")) {
    for (e in c("L0", "R0")) {
      tf <- suppressWarnings(trimfill(rma(yi = d$yi, vi = d$vi, method = m), estimator = e))
      trimfill_cases[[length(trimfill_cases) + 1]] <- list(
        dataset = dname, method = m, estimator = e, k0 = tf$k0, k0_se = num(tf$se.k0),
        side = tf$side, estimate = num(tf$beta), se = num(tf$se), ci_low = num(tf$ci.lb),
        ci_high = num(tf$ci.ub), tau2 = num(tf$tau2),
        filled_yi = as.numeric(tf$yi[tf$fill]), filled_vi = as.numeric(tf$vi[tf$fill]))
    }
  }
}

# ---- meta-regression: rma(yi, vi, mods = ~ ablat [+ year]) on BCG ---------------------------
mods_cases <- list()
d <- datasets$bcg
for (f in c("ablat", "ablat+year")) {
  M <- if (f == "ablat") cbind(ablat = d$ablat) else cbind(ablat = d$ablat, year = d$year)
  for (m in methods) {
    for (knha in c(FALSE, TRUE)) {
      res <- suppressWarnings(rma(yi = d$yi, vi = d$vi, mods = M, method = m,
                                  test = if (knha) "knha" else "z"))
      mods_cases[[length(mods_cases) + 1]] <- list(
        formula = f, method = m, knha = knha, coef = as.numeric(res$beta),
        se = as.numeric(res$se), zval = as.numeric(res$zval), p = as.numeric(res$pval),
        ci_low = as.numeric(res$ci.lb), ci_high = as.numeric(res$ci.ub),
        qm = num(res$QM), qm_p = num(res$QMp), qe = num(res$QE), qe_p = num(res$QEp),
        tau2 = num(res$tau2), tau2_se = num(res$se.tau2), i2 = num(res$I2), h2 = num(res$H2),
        r2 = num(res$R2))
    }
  }
}

# ---- subgroups: BCG by allocation ------------------------------------------------------------
sub_cases <- list()
for (m in c("FE", "DL", "REML")) {
  grp <- d$alloc
  fits <- lapply(unique(grp), function(g)
    rma(yi = d$yi[grp == g], vi = d$vi[grp == g], method = m))
  est <- sapply(fits, function(r) num(r$beta))
  sei <- sapply(fits, function(r) num(r$se))
  sep <- rma(yi = est, sei = sei, method = "FE")  # Wald-type test of subgroup differences
  com <- rma(yi = d$yi, vi = d$vi, mods = ~ factor(grp), method = m)
  sub_cases[[length(sub_cases) + 1]] <- list(
    method = m, groups = unique(grp), estimate = est, se = sei,
    tau2 = sapply(fits, function(r) num(r$tau2)),
    qb_separate = num(sep$QE), qb_separate_p = num(sep$QEp),
    qb_common = num(com$QM), qb_common_p = num(com$QMp))
}

# ---- influence(), leave1out(), cumul() -------------------------------------------------------
infl_cases <- list()
for (dname in c("bcg", "hetero")) {
  dd <- datasets[[dname]]
  for (m in c("FE", "DL", "REML")) {
    for (knha in c(FALSE, TRUE)) {
      res <- rma(yi = dd$yi, vi = dd$vi, method = m, test = if (knha) "knha" else "z")
      inf <- suppressWarnings(influence(res))
      l1 <- suppressWarnings(leave1out(res))
      cu <- suppressWarnings(cumul(res))
      # knha results name the statistic tval; FE results omit tau2 (0 by definition)
      stat <- function(z) if (is.null(z$zval)) z$tval else z$zval
      t2 <- function(z) if (is.null(z$tau2)) rep(0, length(z$estimate)) else z$tau2
      infl_cases[[length(infl_cases) + 1]] <- list(
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

# ---- Fisher scoring that oscillates: default REML fails in metafor, stepadj = 0.5 converges --
# (one of the simulated analyses of benchmarks/bench_pool.py, rounded to 15 digits)
osc <- list(
  yi = c(-0.0124033170959159, 0.358908260950556, 0.197423610052076, 0.528248731544236, 0.442742609302335, 0.495261653108005, 0.34408911435048, 0.438700805529576, 0.45840125648996, 0.0867557992611141, 0.405702507019078, 0.642053654188347, 0.0970994974668654, 0.254048602915268, 0.294999809031439, 0.11206658728632, 0.210823541587715, 0.535028952927998, 0.00552229984440178, 0.370145049710312),
  vi = c(0.103211342567884, 0.0713016427882283, 0.0231115716754394, 0.0187472843100308, 0.185635020564841, 0.0890472975966167, 0.17960214148861, 0.0561199198493255, 0.122154975712757, 0.0585435775852761, 0.177663015012307, 0.0525112108033112, 0.113693416420953, 0.193617615088743, 0.148712445167795, 0.115357792438635, 0.0792027878819722, 0.110698767938422, 0.010753274358507, 0.0348331136143658))
osc_default <- try(rma(yi = osc$yi, vi = osc$vi), silent = TRUE)
stepadj_cases <- list()
for (m in c("REML", "ML")) {
  res <- rma(yi = osc$yi, vi = osc$vi, method = m, control = list(stepadj = 0.5))
  stepadj_cases[[length(stepadj_cases) + 1]] <- list(
    method = m, stepadj = 0.5, expected = pool_fields(res, 95))
}

ref <- list(
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  datasets = datasets,
  methods = methods,
  pool = pool_cases,
  fixed_tau2 = fixed_cases,
  egger = egger_cases,
  trimfill = trimfill_cases,
  mods = mods_cases,
  subgroups = sub_cases,
  influence = infl_cases,
  oscillating = list(data = osc, default_reml_fails = inherits(osc_default, "try-error"),
                     stepadj = stepadj_cases)
)

writeLines(toJSON(ref, auto_unbox = TRUE, digits = I(17), na = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(pool_cases), "pool cases\n")
