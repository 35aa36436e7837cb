"""Benchmark: the block-structured mixed model vs lme4 on 100,000 and 1,000,000 sessions.

    python bench/multilevel.py [--rows 100000 1000000] [--statsmodels]

Model (prebuilt model (d)): outcome ~ session + alliance_within + alliance_between +
(1 + session | episode), REML, episodes of 4-16 sessions. When ``Rscript`` and lme4 are
installed the same model is fitted with ``lmer`` (REML, default optimiser) in the same run
on the same data; the script prints both times (fitting only, data already in memory),
the ratio and the largest absolute difference of fixed effects, their standard errors and
the variance components. Both sides are timed warm: one warm-up fit, then the best of
``--repeat`` fits in the same process (the same R session for lme4), fitting only, data
already in memory. Target (issue 18): within 1e-3 of lme4 and >= 10x faster.
``--statsmodels`` also times statsmodels MixedLM on the smallest size (slow).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alliance.research.multilevel import fit_mixed

FIXED = ["session", "alliance_within", "alliance_between"]

R_SCRIPT = r"""
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
reps <- as.integer(args[3])
fitit <- function() {
  lmer(outcome ~ session + alliance_within + alliance_between + (1 + session | episode),
       data = d, REML = TRUE)
}
fit <- fitit()
times <- numeric(reps)
for (i in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  fit <- fitit()
  times[i] <- proc.time()[["elapsed"]] - t0
}
elapsed <- min(times)
fe <- summary(fit)$coefficients
vc <- as.data.frame(VarCorr(fit))
out <- data.frame(
  term = c(rownames(fe), "var_intercept", "cov_intercept_session", "var_session", "var_residual"),
  est = c(fe[, 1], vc$vcov[1], vc$vcov[3], vc$vcov[2], vc$vcov[4]),
  se = c(fe[, 2], NA, NA, NA, NA))
out <- rbind(out, data.frame(term = "criterion", est = REMLcrit(fit), se = NA))
write.csv(out, args[2], row.names = FALSE)
cat(sprintf("%.6f\n", elapsed))
"""


def simulate(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    sizes = rng.integers(4, 17, size=rows // 6)
    sizes = sizes[np.cumsum(sizes) <= rows]
    n_ep = len(sizes)
    episode = np.repeat(np.arange(n_ep), sizes)
    session = np.concatenate([np.arange(k) for k in sizes]).astype(float)
    u = rng.multivariate_normal([0, 0], [[9, -0.6], [-0.6, 0.25]], n_ep)
    a_mean = rng.normal(4, 0.6, n_ep)
    alliance = a_mean[episode] + rng.normal(0, 0.5, len(episode))
    frame = pd.DataFrame({"episode": episode, "session": session, "alliance": alliance})
    frame["alliance_between"] = frame.groupby("episode")["alliance"].transform("mean")
    frame["alliance_within"] = frame["alliance"] - frame["alliance_between"]
    frame["outcome"] = (
        20
        + u[episode, 0]
        + (-0.8 + u[episode, 1]) * session
        - 1.5 * frame["alliance_within"]
        - 2 * (frame["alliance_between"] - 4)
        + rng.normal(0, 2, len(episode))
    )
    return frame


def lme4(data: pd.DataFrame, repeat: int):
    """Fit with lme4 warm (a warm-up fit, then the best of ``repeat`` in one R session)."""
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "fit.R").write_text(R_SCRIPT)
        data.to_csv(tmp / "data.csv", index=False)
        try:
            run = subprocess.run(
                [
                    "Rscript",
                    str(tmp / "fit.R"),
                    str(tmp / "data.csv"),
                    str(tmp / "out.csv"),
                    str(repeat),
                ],
                capture_output=True,
                text=True,
                check=True,
                timeout=3600,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            print("  lme4 failed:", getattr(exc, "stderr", exc))
            return None
        return float(run.stdout.strip().splitlines()[-1]), pd.read_csv(tmp / "out.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--statsmodels", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs after a warm-up")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for rows in args.rows:
        data = simulate(rows, rng)
        print(f"\n{len(data):,} session rows, {data['episode'].nunique():,} episodes")
        ours = fit_mixed(data, "outcome", FIXED, "episode", random_slope="session")  # warm-up
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            ours = fit_mixed(data, "outcome", FIXED, "episode", random_slope="session")
            times.append(time.perf_counter() - t)
        ours_t = min(times)
        print(f"  ours : {ours_t:8.3f} s (warm, best of {args.repeat}; converged={ours.converged})")
        mine = pd.concat(
            [
                ours.fixed.set_index("term")[["est", "se"]],
                pd.DataFrame({"est": pd.Series(ours.random), "se": np.nan}),
            ]
        )
        if args.statsmodels and rows == min(args.rows):
            import statsmodels.formula.api as smf

            t = time.perf_counter()
            smf.mixedlm(
                "outcome ~ session + alliance_within + alliance_between",
                data,
                groups=data["episode"],
                re_formula="~session",
            ).fit(reml=True)
            print(f"  statsmodels MixedLM: {time.perf_counter() - t:8.3f} s")
        res = lme4(data, args.repeat)
        if res is None:
            print("  lme4 : not run (Rscript or lme4 not installed)")
            continue
        lme_t, ref = res
        ref = ref.set_index("term")
        crit = ref.loc["criterion", "est"]
        ref = ref.drop(index="criterion")
        d_est = float(np.abs(mine.loc[ref.index, "est"] - ref["est"]).max())
        d_se = float(np.nanmax(np.abs(mine.loc[ref.index, "se"] - ref["se"])))
        ratio = lme_t / ours_t
        goal = "met" if ratio >= 10 else "NOT met"
        print(f"  lme4 : {lme_t:8.3f} s (warm, best of {args.repeat} after a warm-up fit)")
        print(f"  ratio lme4/ours: {ratio:6.1f}x (target >= 10x: {goal})")
        print(
            f"  largest |est diff| = {d_est:.2e} "
            f"(fixed effects and variance components), |se diff| = {d_se:.2e}"
        )
        print(
            f"  REML criterion: ours {ours.criterion:.6f}, lme4 {crit:.6f} "
            f"(lower is better; difference {ours.criterion - crit:+.2e})"
        )


if __name__ == "__main__":
    main()
