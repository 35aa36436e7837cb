# Reference values for alliance.research, produced with Debian's R 4.2.2, lavaan 0.6-14,
# lme4 1.1-31 and psych 2.2.9:
#   apt-get install r-base-core r-cran-lavaan r-cran-lme4 r-cran-psych r-cran-gparotation
#   cd tests/research/reference && Rscript make_reference.R
# The data sets are simulated here (fixed seeds) and written beside their results, so the
# Python tests read the same numbers lavaan, lme4 and psych saw. R is never needed to run
# the tests.
suppressMessages({
  library(lavaan)
  library(lme4)
  library(psych)
})

write_est <- function(fit, file) {
  pe <- parameterEstimates(fit)
  pe <- pe[, c("lhs", "op", "rhs", "est", "se", "z", "pvalue")]
  std <- standardizedSolution(fit, se = FALSE)
  pe$std_all <- std$est.std[match(paste(pe$lhs, pe$op, pe$rhs), paste(std$lhs, std$op, std$rhs))]
  write.csv(pe, file, row.names = FALSE)
}
write_fit <- function(fit, file) {
  m <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic",
         "bic", "baseline.chisq", "baseline.df")
  fm <- fitMeasures(fit, m)
  write.csv(data.frame(measure = names(fm), value = as.numeric(fm)), file, row.names = FALSE)
}

# ---------------------------------------------------------------- 1. FIML, political democracy
pd_model <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
set.seed(20240601)
pdm <- PoliticalDemocracy
for (v in c("y1", "y2", "y3", "y4", "y5", "y6", "y7", "y8", "x2", "x3")) {
  pdm[runif(nrow(pdm)) < 0.2, v] <- NA
}
write.csv(pdm, "pd_missing.csv", row.names = FALSE, na = "")
fit <- sem(pd_model, data = pdm, missing = "ml")
write_est(fit, "pd_missing_fiml_estimates.csv")
write_fit(fit, "pd_missing_fiml_fit.csv")

# ---------------------------------------------------------------- 2. CFA of alliance items
# 12 items, goal / task / bond factors of 4 items (WAI-SR layout), correlated .6-.75
set.seed(20240602)
n <- 400
phi <- matrix(c(1, .75, .6, .75, 1, .65, .6, .65, 1), 3)
eta <- MASS::mvrnorm(n, rep(0, 3), phi)
lam <- c(.8, .7, .75, .65)
items <- matrix(NA, n, 12)
for (f in 1:3) for (j in 1:4) {
  k <- (f - 1) * 4 + j
  items[, k] <- 3.5 + lam[j] * eta[, f] + rnorm(n, 0, sqrt(1 - lam[j]^2))
}
colnames(items) <- c(paste0("goal", 1:4), paste0("task", 1:4), paste0("bond", 1:4))
items <- as.data.frame(items)
write.csv(items, "cfa_items.csv", row.names = FALSE)
m3 <- "goal =~ goal1 + goal2 + goal3 + goal4
task =~ task1 + task2 + task3 + task4
bond =~ bond1 + bond2 + bond3 + bond4"
m1 <- "alliance =~ goal1 + goal2 + goal3 + goal4 + task1 + task2 + task3 + task4 + bond1 + bond2 + bond3 + bond4"
f3 <- cfa(m3, data = items)
f1 <- cfa(m1, data = items)
write_est(f3, "cfa3_estimates.csv"); write_fit(f3, "cfa3_fit.csv")
write_est(f1, "cfa1_estimates.csv"); write_fit(f1, "cfa1_fit.csv")

# ---------------------------------------------------------------- 3. reliability (psych)
goal <- items[, 1:4]
a <- psych::alpha(goal)
om <- cfa("g =~ goal1 + goal2 + goal3 + goal4", data = items)
pe <- parameterEstimates(om)
lam_g <- pe$est[pe$op == "=~"]
th_g <- pe$est[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs != "g"]
phi_g <- pe$est[pe$op == "~~" & pe$lhs == "g"]
omega_tot <- sum(lam_g)^2 * phi_g / (sum(lam_g)^2 * phi_g + sum(th_g))
rel <- data.frame(
  measure = c("raw_alpha", "std_alpha", "average_r", "alpha_feldt_lower",
              "alpha_feldt_upper", "omega_total_cfa", "omega_total_psych",
              paste0("r_drop_", colnames(goal)), paste0("r_cor_", colnames(goal)),
              paste0("alpha_if_dropped_", colnames(goal))),
  value = as.numeric(unlist(c(a$total$raw_alpha, a$total$std.alpha, a$total$average_r,
            a$feldt$lower.ci, a$feldt$upper.ci, omega_tot,
            suppressWarnings(psych::omega(goal, nfactors = 1, plot = FALSE)$omega.tot),
            a$item.stats$r.drop, a$item.stats$r.cor, a$alpha.drop$raw_alpha)))
)
write.csv(rel, "reliability_goal.csv", row.names = FALSE)

# ---------------------------------------------------------------- 4. RI-CLPM (Hamaker et al. 2015)
# x = alliance, y = symptoms, 5 waves; population values below are written to a file too
set.seed(20240603)
n <- 1000; waves <- 5
pop <- list(var_rix = 0.5, var_riy = 0.6, cov_ri = -0.2, a_xx = 0.4, a_yy = 0.5,
            b_xy = -0.2, b_yx = -0.1, var_w1x = 1, var_w1y = 1, cov_w1 = -0.3,
            var_ux = 0.7, var_uy = 0.6, cov_u = -0.15)
ri <- MASS::mvrnorm(n, c(0, 0), matrix(c(pop$var_rix, pop$cov_ri, pop$cov_ri, pop$var_riy), 2))
w <- array(NA, c(n, waves, 2))
w[, 1, ] <- MASS::mvrnorm(n, c(0, 0), matrix(c(pop$var_w1x, pop$cov_w1, pop$cov_w1, pop$var_w1y), 2))
for (t in 2:waves) {
  u <- MASS::mvrnorm(n, c(0, 0), matrix(c(pop$var_ux, pop$cov_u, pop$cov_u, pop$var_uy), 2))
  w[, t, 1] <- pop$a_xx * w[, t - 1, 1] + pop$b_yx * w[, t - 1, 2] + u[, 1]
  w[, t, 2] <- pop$a_yy * w[, t - 1, 2] + pop$b_xy * w[, t - 1, 1] + u[, 2]
}
mx <- c(4.0, 4.1, 4.2, 4.3, 4.4); my <- c(15, 14, 13, 12.5, 12)
dat <- data.frame(matrix(NA, n, 10))
names(dat) <- c(paste0("x", 1:5), paste0("y", 1:5))
for (t in 1:waves) {
  dat[[paste0("x", t)]] <- mx[t] + ri[, 1] + w[, t, 1]
  dat[[paste0("y", t)]] <- my[t] + ri[, 2] + w[, t, 2]
}
write.csv(dat, "riclpm.csv", row.names = FALSE)
write.csv(data.frame(parameter = names(pop), value = unlist(pop)), "riclpm_population.csv",
          row.names = FALSE)
riclpm <- "
RIx =~ 1*x1 + 1*x2 + 1*x3 + 1*x4 + 1*x5
RIy =~ 1*y1 + 1*y2 + 1*y3 + 1*y4 + 1*y5
wx1 =~ 1*x1
wx2 =~ 1*x2
wx3 =~ 1*x3
wx4 =~ 1*x4
wx5 =~ 1*x5
wy1 =~ 1*y1
wy2 =~ 1*y2
wy3 =~ 1*y3
wy4 =~ 1*y4
wy5 =~ 1*y5
wx2 ~ wx1 + wy1
wx3 ~ wx2 + wy2
wx4 ~ wx3 + wy3
wx5 ~ wx4 + wy4
wy2 ~ wx1 + wy1
wy3 ~ wx2 + wy2
wy4 ~ wx3 + wy3
wy5 ~ wx4 + wy4
wx1 ~~ wy1
wx2 ~~ wy2
wx3 ~~ wy3
wx4 ~~ wy4
wx5 ~~ wy5
RIx ~~ RIy
RIx ~~ 0*wx1 + 0*wy1
RIy ~~ 0*wx1 + 0*wy1
x1 ~~ 0*x1
x2 ~~ 0*x2
x3 ~~ 0*x3
x4 ~~ 0*x4
x5 ~~ 0*x5
y1 ~~ 0*y1
y2 ~~ 0*y2
y3 ~~ 0*y3
y4 ~~ 0*y4
y5 ~~ 0*y5
"
writeLines(riclpm, "riclpm.lav")
fit <- sem(riclpm, data = dat, meanstructure = TRUE)
write_est(fit, "riclpm_estimates.csv"); write_fit(fit, "riclpm_fit.csv")

# FIML with 25% of waves missing (wave 1 always present; missing more likely when the
# previous symptom score is high: missing at random)
set.seed(20240604)
datm <- dat
for (t in 2:waves) {
  p <- plogis(qlogis(0.25) + 0.5 * as.numeric(scale(dat[[paste0("y", t - 1)]])))
  gone <- runif(n) < p
  datm[gone, paste0("x", t)] <- NA
  datm[gone, paste0("y", t)] <- NA
}
write.csv(datm, "riclpm_missing.csv", row.names = FALSE, na = "")
fit <- sem(riclpm, data = datm, missing = "ml")
write_est(fit, "riclpm_fiml_estimates.csv"); write_fit(fit, "riclpm_fiml_fit.csv")

# ---------------------------------------------------------------- 5. longitudinal invariance
# the same 4 bond items at an early (session 3) and a late (session 8) occasion
set.seed(20240605)
n <- 500
eta <- MASS::mvrnorm(n, c(0, 0.3), matrix(c(1, .6, .6, 1.1), 2))
lam <- c(.8, .7, .75, .65); nu <- c(3.5, 3.6, 3.4, 3.7)
inv <- data.frame(matrix(NA, n, 8))
names(inv) <- c(paste0("bond", 1:4, "_early"), paste0("bond", 1:4, "_late"))
for (j in 1:4) {
  e <- MASS::mvrnorm(n, c(0, 0), matrix(c(.4, .1, .1, .4), 2))
  inv[[j]] <- nu[j] + lam[j] * eta[, 1] + e[, 1]
  inv[[4 + j]] <- nu[j] + lam[j] * eta[, 2] + e[, 2]
}
write.csv(inv, "invariance.csv", row.names = FALSE)
base <- "
early =~ %s*bond1_early + %s*bond2_early + %s*bond3_early + %s*bond4_early
late =~ %s*bond1_late + %s*bond2_late + %s*bond3_late + %s*bond4_late
bond1_early ~~ bond1_late
bond2_early ~~ bond2_late
bond3_early ~~ bond3_late
bond4_early ~~ bond4_late
bond1_early ~ %s*1
bond2_early ~ %s*1
bond3_early ~ %s*1
bond4_early ~ %s*1
bond1_late ~ %s*1
bond2_late ~ %s*1
bond3_late ~ %s*1
bond4_late ~ %s*1
early ~ 0*1
late ~ %s*1
"
configural <- sprintf(base, "1", "l2e", "l3e", "l4e", "1", "l2l", "l3l", "l4l",
                      "i1e", "i2e", "i3e", "i4e", "i1l", "i2l", "i3l", "i4l", "0")
metric <- sprintf(base, "1", "l2", "l3", "l4", "1", "l2", "l3", "l4",
                  "i1e", "i2e", "i3e", "i4e", "i1l", "i2l", "i3l", "i4l", "0")
scalar <- sprintf(base, "1", "l2", "l3", "l4", "1", "l2", "l3", "l4",
                  "i1", "i2", "i3", "i4", "i1", "i2", "i3", "i4", "NA")
for (nm in c("configural", "metric", "scalar")) {
  syn <- get(nm)
  writeLines(syn, paste0("invariance_", nm, ".lav"))
  fit <- sem(syn, data = inv)
  write_fit(fit, paste0("invariance_", nm, "_fit.csv"))
  write_est(fit, paste0("invariance_", nm, "_estimates.csv"))
}

# ---------------------------------------------------------------- 6. multilevel growth (lme4)
# outcome over sessions; alliance person-mean centred into within and between parts;
# random intercept and slope of session by episode
set.seed(20240606)
n_ep <- 150
rows <- list()
for (e in 1:n_ep) {
  k <- sample(4:12, 1)
  u <- MASS::mvrnorm(1, c(0, 0), matrix(c(9, -0.6, -0.6, 0.25), 2))
  a_mean <- rnorm(1, 4, 0.6)
  alliance <- a_mean + rnorm(k, 0, 0.5)
  session <- 0:(k - 1)
  rows[[e]] <- data.frame(episode = e, session = session, alliance = alliance,
                          u0 = u[1], u1 = u[2])
}
ml <- do.call(rbind, rows)
ml$alliance_between <- ave(ml$alliance, ml$episode)
ml$alliance_within <- ml$alliance - ml$alliance_between
ml$outcome <- 20 + ml$u0 + (-0.8 + ml$u1) * ml$session - 1.5 * ml$alliance_within -
  2 * (ml$alliance_between - 4) + rnorm(nrow(ml), 0, 2)
ml <- ml[, c("episode", "session", "alliance", "alliance_within", "alliance_between", "outcome")]
write.csv(ml, "multilevel.csv", row.names = FALSE)
for (reml in c(TRUE, FALSE)) {
  fit <- lmer(outcome ~ session + alliance_within + alliance_between + (1 + session | episode),
              data = ml, REML = reml,
              control = lmerControl(optimizer = "bobyqa",
                                    optCtrl = list(maxfun = 1e5)))
  fe <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  out <- rbind(
    data.frame(term = rownames(fe), kind = "fixed", est = fe[, 1], se = fe[, 2]),
    data.frame(term = c("var_intercept", "cov_intercept_session", "var_session", "var_residual"),
               kind = "random",
               est = c(vc$vcov[1], vc$vcov[3], vc$vcov[2], vc$vcov[4]), se = NA),
    data.frame(term = c("loglik", "deviance_or_reml_criterion"), kind = "fit",
               est = c(as.numeric(logLik(fit)), as.numeric(-2 * logLik(fit))), se = NA)
  )
  write.csv(out, sprintf("multilevel_lme4_%s.csv", if (reml) "reml" else "ml"),
            row.names = FALSE)
}

# ---------------------------------------------------------------- 7. observed covariates (fixed.x)
fx_model <- "dem60 =~ y1 + y2 + y3 + y4
dem60 ~ x1 + x2
y5 ~ dem60 + x1"
writeLines(fx_model, "fixed_x.lav")
fit <- sem(fx_model, data = PoliticalDemocracy)
write_est(fit, "fixed_x_estimates.csv"); write_fit(fit, "fixed_x_fit.csv")
fit <- sem(fx_model, data = pdm, missing = "ml")
write_est(fit, "fixed_x_fiml_estimates.csv"); write_fit(fit, "fixed_x_fiml_fit.csv")

# ---------------------------------------------------------------- 8. prebuilt models (a) and (b)
# (a) alliance (second order over goal/task/bond) -> flourishing (8 items); (b) alliance ->
# second-order wellbeing over six dimensions of three items each
set.seed(20240607)
n <- 500
alliance <- rnorm(n)
first <- sapply(c(.85, .9, .8), function(l) l * alliance + rnorm(n, 0, sqrt(1 - l^2)))
flour <- 0.4 * alliance + rnorm(n, 0, sqrt(1 - .16))
wb <- 0.35 * alliance + rnorm(n, 0, sqrt(1 - .35^2))
dims <- sapply(c(.7, .75, .8, .7, .65, .8), function(l) l * wb + rnorm(n, 0, sqrt(1 - l^2)))
pre <- data.frame(row.names = 1:n)
for (f in 1:3) for (j in 1:4) {
  nm <- paste0(c("goal", "task", "bond")[f], j)
  pre[[nm]] <- 3.5 + c(.8, .7, .75, .65)[j] * first[, f] + rnorm(n, 0, .6)
}
for (j in 1:8) pre[[paste0("fs", j)]] <- 5 + c(.8, .7, .75, .65, .7, .8, .6, .7)[j] * flour + rnorm(n, 0, .7)
dn <- c("autonomy", "mastery", "growth", "relations", "purpose", "acceptance")
for (d in 1:6) for (j in 1:3) pre[[paste0(dn[d], j)]] <- 4 + c(.8, .7, .75)[j] * dims[, d] + rnorm(n, 0, .6)
write.csv(pre, "prebuilt.csv", row.names = FALSE)
alliance_block <- "goal =~ goal1 + goal2 + goal3 + goal4
task =~ task1 + task2 + task3 + task4
bond =~ bond1 + bond2 + bond3 + bond4
alliance =~ goal + task + bond
"
model_a <- paste0(alliance_block, "flourishing =~ fs1 + fs2 + fs3 + fs4 + fs5 + fs6 + fs7 + fs8
flourishing ~ alliance
")
model_b <- paste0(alliance_block, paste(sprintf("%s =~ %s1 + %s2 + %s3", dn, dn, dn, dn), collapse = "\n"),
  "\nwellbeing =~ ", paste(dn, collapse = " + "), "\nwellbeing ~ alliance\n")
writeLines(model_a, "prebuilt_a.lav"); writeLines(model_b, "prebuilt_b.lav")
fit <- sem(model_a, data = pre)
write_est(fit, "prebuilt_a_estimates.csv"); write_fit(fit, "prebuilt_a_fit.csv")
fit <- sem(model_b, data = pre)
write_est(fit, "prebuilt_b_estimates.csv"); write_fit(fit, "prebuilt_b_fit.csv")

# ---------------------------------------------------------------- 9. defined parameters (:=)
# mediation: alliance (x) -> engagement (m) -> outcome (y), indirect and total effects
set.seed(20240608)
n <- 300
x <- rnorm(n); m <- 0.5 * x + rnorm(n); y <- 0.4 * m + 0.2 * x + rnorm(n)
med <- data.frame(x = x, m = m, y = y)
write.csv(med, "mediation.csv", row.names = FALSE)
med_model <- "m ~ a*x
y ~ b*m + c*x
ab := a*b
total := c + a * b
proportion := ab / total"
writeLines(med_model, "mediation.lav")
fit <- sem(med_model, data = med)
write_est(fit, "mediation_estimates.csv"); write_fit(fit, "mediation_fit.csv")
writeLines(capture.output(sessionInfo()), "sessionInfo.txt")
