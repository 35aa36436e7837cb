"""Benchmark: the block-structured mixed model vs lme4 on 100,000 and 1,000,000 sessions.

    python bench/multilevel.py [--rows 100000 1000000] [--statsmodels]

Model (prebuilt model (d)): outcome ~ session + alliance_within + alliance_between +
(1 + session | episode), REML, episodes of 4-16 sessions. When ``Rscript`` and lme4 are
installed the same model is fitted with ``lmer`` (REML, default optimiser) in the same run
on the same data; the script prints both times (fitting only, data already in memory),
the ratio and the largest absolute difference of fixed effects, their standard errors and
the variance components. Target (issue 6): within 1e-3 of lme4 and no slower.
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
t0 <- proc.time()[["elapsed"]]
fit <- lmer(outcome ~ session + alliance_within + alliance_between + (1 + session | episode),
            data = d, REML = TRUE)
elapsed <- proc.time()[["elapsed"]] - t0
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


def lme4(data: pd.DataFrame):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "fit.R").write_text(R_SCRIPT)
        data.to_csv(tmp / "data.csv", index=False)
        try:
            run = subprocess.run(
                ["Rscript", str(tmp / "fit.R"), str(tmp / "data.csv"), str(tmp / "out.csv")],
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
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for rows in args.rows:
        data = simulate(rows, rng)
        print(f"\n{len(data):,} session rows, {data['episode'].nunique():,} episodes")
        times = []
        for _ in range(2):
            t = time.perf_counter()
            ours = fit_mixed(data, "outcome", FIXED, "episode", random_slope="session")
            times.append(time.perf_counter() - t)
        ours_t = min(times)
        print(f"  ours : {ours_t:8.3f} s (best of 2; converged={ours.converged})")
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
        res = lme4(data)
        if res is None:
            print("  lme4 : not run (Rscript or lme4 not installed)")
            continue
        lme_t, ref = res
        ref = ref.set_index("term")
        crit = ref.loc["criterion", "est"]
        ref = ref.drop(index="criterion")
        d_est = float(np.abs(mine.loc[ref.index, "est"] - ref["est"]).max())
        d_se = float(np.nanmax(np.abs(mine.loc[ref.index, "se"] - ref["se"])))
        print(f"  lme4 : {lme_t:8.3f} s")
        print(
            f"  ratio lme4/ours: {lme_t / ours_t:6.1f}x   largest |est diff| = {d_est:.2e} "
            f"(fixed effects and variance components), |se diff| = {d_se:.2e}"
        )
        print(
            f"  REML criterion: ours {ours.criterion:.6f}, lme4 {crit:.6f} "
            f"(lower is better; difference {ours.criterion - crit:+.2e})"
        )


if __name__ == "__main__":
    main()
