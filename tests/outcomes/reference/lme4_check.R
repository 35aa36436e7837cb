# lme4 reference for alliance.outcomes.effects (tests/outcomes/test_effects.py).
# Run from the repository root: Rscript tests/outcomes/reference/lme4_check.R
# Writes lme4_output.json beside this script. The project itself never needs R.
suppressPackageStartupMessages(library(lme4))
here <- "tests/outcomes/reference"
d <- read.csv(file.path(here, "effects_data.csv"))
d$practitioner <- factor(d$practitioner)

# 1. case-mix-adjusted practitioner effects: random intercepts, intake and age
m1 <- lmer(end ~ start + age + (1 | practitioner), data = d, REML = TRUE)
re <- ranef(m1, condVar = TRUE)
pv <- attr(re$practitioner, "postVar")[1, 1, ]
vc <- as.data.frame(VarCorr(m1))

# 2. Baldwin, Wampold & Imel (2007): alliance within and between practitioners
d$alliance_between <- ave(d$alliance, d$practitioner)
d$alliance_within <- d$alliance - d$alliance_between
m2 <- lmer(end ~ start + alliance_within + alliance_between + (1 | practitioner),
           data = d, REML = TRUE)
m3 <- lmer(end ~ start + alliance + alliance_between + (1 | practitioner),
           data = d, REML = TRUE)

fx <- function(m) {
  s <- summary(m)$coefficients
  lapply(setNames(seq_len(nrow(s)), rownames(s)),
         function(i) list(est = s[i, 1], se = s[i, 2]))
}
num <- function(x) formatC(x, digits = 12, format = "g")
out <- c(
  "{",
  sprintf('"lme4": "%s", "R": "%s",', packageVersion("lme4"), R.version.string),
  '"effects": {',
  sprintf('  "fixed": {%s},', paste(sprintf('"%s": {"est": %s, "se": %s}', names(fx(m1)),
    sapply(fx(m1), function(v) num(v$est)), sapply(fx(m1), function(v) num(v$se))), collapse = ", ")),
  sprintf('  "var_intercept": %s, "var_residual": %s, "reml": %s,',
    num(vc$vcov[1]), num(vc$vcov[2]), num(-2 * as.numeric(logLik(m1)))),
  sprintf('  "blup": {%s},', paste(sprintf('"%s": %s', rownames(re$practitioner),
    num(re$practitioner[, 1])), collapse = ", ")),
  sprintf('  "postvar": {%s}', paste(sprintf('"%s": %s', rownames(re$practitioner), num(pv)),
    collapse = ", ")),
  "},",
  sprintf('"split": {%s},', paste(sprintf('"%s": {"est": %s, "se": %s}', names(fx(m2)),
    sapply(fx(m2), function(v) num(v$est)), sapply(fx(m2), function(v) num(v$se))), collapse = ", ")),
  sprintf('"contrast": {%s}', paste(sprintf('"%s": {"est": %s, "se": %s}', names(fx(m3)),
    sapply(fx(m3), function(v) num(v$est)), sapply(fx(m3), function(v) num(v$se))), collapse = ", ")),
  "}"
)
writeLines(out, file.path(here, "lme4_output.json"))
