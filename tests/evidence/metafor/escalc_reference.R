# Reference effect sizes for anagen.evidence.effect_sizes, produced by metafor itself.
# Run from this directory:  Rscript escalc_reference.R   (writes escalc_reference.json)
# metafor 3.8-1 (Debian r-cran-metafor). Inputs are the comparator minoxidil arms bundled in
# anagen (Suchonwanit 2019 Tables 2-3) plus synthetic rows covering small n, negative means
# differences and unequal SDs (rows 7-9, made-up inputs for coverage only) and the Gentile 2019
# biopsy follicle densities (row 10; baseline vs follow-up, used here as two groups).
suppressPackageStartupMessages(library(metafor))
dat <- data.frame(
  m1i  = c(18.6, 12.7, 20.9, 26.0, 20.7, 31.9, 5.0, -3.2, 10.0, 0.46),
  sd1i = c(25.4, 20.7, 22.5, 19.5, 17.6, 19.9, 1.0, 4.1, 2.0, 0.15),
  n1i  = c(139, 141, 180, 101, 108, 50, 2, 7, 5, 33),
  m2i  = c(3.9, 3.9, 4.7, 9.4, 9.4, 28.4, 7.5, -1.0, 12.0, 1.4),
  sd2i = c(21.7, 21.7, 19.7, 14.6, 14.6, 19.9, 3.0, 2.2, 2.5, 0.27),
  n2i  = c(78, 78, 172, 51, 51, 50, 3, 9, 6, 33)
)
out <- list(metafor_version = as.character(packageVersion("metafor")), input = dat)
for (m in c("MD", "SMD", "ROM")) {
  d <- dat
  if (m == "ROM") d <- dat[dat$m1i > 0 & dat$m2i > 0, ]
  es <- escalc(measure = m, m1i = m1i, sd1i = sd1i, n1i = n1i,
               m2i = m2i, sd2i = sd2i, n2i = n2i, data = d)
  out[[m]] <- list(rows = as.integer(rownames(d)), yi = as.numeric(es$yi), vi = as.numeric(es$vi))
}
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "escalc_reference.json")
