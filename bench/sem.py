"""Benchmark: our SEM estimator vs lavaan on the RI-CLPM and on large-N FIML.

    python bench/sem.py [--persons 2000] [--fiml-persons 100000] [--missing 0.3]
                        [--cfa-persons 2000 100000] [--repeat 5] [--only fiml mlr ...]

1. RI-CLPM (5 waves of alliance x and symptoms y; Hamaker et al. 2015), complete data,
   2,000 persons, ML with a mean structure.
2. The same model by full-information ML on 100,000 persons x 5 waves with 30% of all
   values missing: wave 1 is always observed and each later wave (both variables) is
   missing with probability 37.5% on average, more often after a high symptom score
   (missing at random).

When ``Rscript`` and lavaan are installed, the same models are fitted with lavaan 0.6 in
the same run. Both sides are timed warm: one warm-up fit, then the best of ``--repeat``
fits in the same process (the same R session for lavaan), fitting only, with the data
already in memory. The script prints both times, the ratio and the largest absolute
difference of any estimate and standard error. Targets (issue 18): RI-CLPM >= 5x,
FIML >= 10x, MLR, multiple groups and WLSMV (one group and two) >= 3x (a three-factor CFA
on 2,000 and 100,000 persons, ``--cfa-persons``), within 1e-4 (estimates) of lavaan.
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

from alliance.research.prebuilt import riclpm_syntax
from alliance.research.sem import fit_sem

POP = dict(
    var_rix=0.5,
    var_riy=0.6,
    cov_ri=-0.2,
    a_xx=0.4,
    a_yy=0.5,
    b_xy=-0.2,
    b_yx=-0.1,
    var_w1x=1.0,
    var_w1y=1.0,
    cov_w1=-0.3,
    var_ux=0.7,
    var_uy=0.6,
    cov_u=-0.15,
)
X = [f"x{t}" for t in range(1, 6)]
Y = [f"y{t}" for t in range(1, 6)]

#: lavaan is timed warm: data read and lavaan loaded first, one warm-up fit, then the
#: best of ``repeat`` fits in the same R session (fitting only, as ours is timed)
R_SCRIPT = r"""
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(args[1]), collapse = "\n")
dat <- read.csv(args[2])
opts <- eval(parse(text = paste0("list(", args[3], ")")))
reps <- as.integer(args[5])
fitit <- function() do.call("sem", c(list(model = model, data = dat), opts))
fit <- fitit()
times <- numeric(reps)
for (i in seq_len(reps)) {
  t0 <- proc.time()[["elapsed"]]
  fit <- fitit()
  times[i] <- proc.time()[["elapsed"]] - t0
}
pe <- parameterEstimates(fit)
keep <- intersect(c("lhs", "op", "rhs", "group", "est", "se"), names(pe))
pe <- pe[, keep]
if (!is.null(pe$group)) pe$group <- lavInspect(fit, "group.label")[pmax(pe$group, 1)]
write.csv(pe, args[4], row.names = FALSE)
cat(sprintf("%.6f\n", min(times)))
"""


def simulate(n: int, rng: np.random.Generator, missing: float = 0.0) -> pd.DataFrame:
    p = POP
    ri = rng.multivariate_normal(
        [0, 0], [[p["var_rix"], p["cov_ri"]], [p["cov_ri"], p["var_riy"]]], n
    )
    w = np.empty((n, 5, 2))
    w[:, 0] = rng.multivariate_normal(
        [0, 0], [[p["var_w1x"], p["cov_w1"]], [p["cov_w1"], p["var_w1y"]]], n
    )
    for t in range(1, 5):
        u = rng.multivariate_normal(
            [0, 0], [[p["var_ux"], p["cov_u"]], [p["cov_u"], p["var_uy"]]], n
        )
        w[:, t, 0] = p["a_xx"] * w[:, t - 1, 0] + p["b_yx"] * w[:, t - 1, 1] + u[:, 0]
        w[:, t, 1] = p["a_yy"] * w[:, t - 1, 1] + p["b_xy"] * w[:, t - 1, 0] + u[:, 1]
    data = {}
    for t in range(5):
        data[f"x{t + 1}"] = 4 + 0.1 * t + ri[:, 0] + w[:, t, 0]
        data[f"y{t + 1}"] = 15 - t + ri[:, 1] + w[:, t, 1]
    frame = pd.DataFrame(data)
    if missing:
        missing = missing * 5 / 4  # all missingness falls on waves 2-5
        for t in range(2, 6):
            prev = frame[f"y{t - 1}"]
            z = (prev - prev.mean()) / prev.std()
            logit = np.log(missing / (1 - missing)) + 0.5 * z.fillna(0)
            gone = rng.random(n) < 1 / (1 + np.exp(-logit))
            frame.loc[gone, [f"x{t}", f"y{t}"]] = np.nan
    return frame


CFA = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""


def simulate_cfa(n: int, rng: np.random.Generator, ordinal: bool = False) -> pd.DataFrame:
    """Three correlated factors x three items, skewed (chi-square) errors, two services."""
    phi = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])
    eta = rng.multivariate_normal(np.zeros(3), phi, n)
    loadings = np.array([0.8, 0.7, 0.6])
    cols = {}
    group = np.where(rng.random(n) < 0.5, "counselling", "coaching")
    shift = np.where(group == "coaching", 0.3, 0.0)
    for f in range(3):
        for j in range(3):
            err = (rng.chisquare(3, n) - 3) / np.sqrt(6) * 0.6
            cols[f"x{3 * f + j + 1}"] = 3 + shift * (j == 0) + loadings[j] * eta[:, f] + err
    frame = pd.DataFrame(cols)
    if ordinal:
        for c in frame.columns:
            cuts = np.quantile(frame[c], [0.15, 0.45, 0.8])
            frame[c] = np.searchsorted(cuts, frame[c]) + 1
    frame["service"] = group
    return frame


def lavaan(model: str, data: pd.DataFrame, options: str, tmp: Path, repeat: int):
    """Fit with lavaan warm in one R session; return (best time, estimates) or None."""
    if not shutil.which("Rscript"):
        return None
    script = tmp / "fit.R"
    script.write_text(R_SCRIPT)
    (tmp / "model.lav").write_text(model)
    data.to_csv(tmp / "data.csv", index=False)
    out = tmp / "est.csv"
    try:
        run = subprocess.run(
            [
                "Rscript",
                str(script),
                str(tmp / "model.lav"),
                str(tmp / "data.csv"),
                options,
                str(out),
                str(repeat),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print("  lavaan failed:", getattr(exc, "stderr", exc))
        return None
    elapsed = float(run.stdout.strip().splitlines()[-1])
    est = pd.read_csv(out)
    est["rhs"] = est["rhs"].fillna("")
    return elapsed, est


def time_ours(fit, repeat: int):
    """One warm-up fit, then the best of ``repeat`` (fitting only, data in memory)."""
    result = fit()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - t)
    return min(times), result


def compare(
    label: str,
    model: str,
    data: pd.DataFrame,
    ours_options: dict,
    lavaan_options: str,
    repeat: int = 5,
    target: float | None = None,
) -> None:
    """Time both sides warm; print both times, the ratio and the largest differences."""
    print(f"\n{label}: {len(data):,} persons, {data.isna().mean().mean():.1%} of values missing")
    ours_t, ours = time_ours(lambda: fit_sem(model, data, **ours_options), repeat)
    print(
        f"  ours   : {ours_t:8.4f} s (warm, best of {repeat}; converged={ours.converged}, "
        f"chisq={ours.fit['chisq']:.3f}, df={ours.fit['df']:.0f})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        res = lavaan(model, data, lavaan_options, Path(tmp), repeat)
    if res is None:
        print("  lavaan : not run (Rscript or lavaan not installed)")
        return
    lav_t, est = res
    keys = ["lhs", "op", "rhs"]
    if "group" in est.columns and "group" in ours.estimates.columns:
        est = est.assign(group=est["group"].astype(str))
        mine = ours.estimates.assign(group=ours.estimates["group"].astype(str))
        keys.append("group")
    else:
        mine = ours.estimates
    merged = est.merge(mine, on=keys, suffixes=("_lavaan", ""))
    d_est = (merged["est"] - merged["est_lavaan"]).abs()
    d_se = (merged["se"] - merged["se_lavaan"]).abs()
    worst = merged.loc[d_est.idxmax()]
    ratio = lav_t / ours_t
    goal = (
        ""
        if target is None
        else f" (target >= {target:g}x: {'met' if ratio >= target else 'NOT met'})"
    )
    print(f"  lavaan : {lav_t:8.4f} s (warm, best of {repeat} after a warm-up fit)")
    print(f"  ratio lavaan/ours: {ratio:6.1f}x{goal}")
    print(
        f"  largest |est diff| = {d_est.max():.2e} ({worst.lhs} {worst.op} {worst.rhs}), "
        f"|se diff| = {d_se.max():.2e} over {len(merged)} rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--fiml-persons", type=int, default=100_000)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after a warm-up")
    parser.add_argument(
        "--cfa-persons",
        type=int,
        nargs="+",
        default=[2000, 100_000],
        help="sizes for the MLR, multiple-group and WLSMV comparisons",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["riclpm", "fiml", "mlr", "groups", "wlsmv", "wlsmv-groups"],
        default=["riclpm", "fiml", "mlr", "groups", "wlsmv", "wlsmv-groups"],
        help="run only these comparisons",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    model = riclpm_syntax(X, Y)
    run = set(args.only)
    # the data are drawn in the same order whatever --only says, so figures are comparable
    complete = simulate(args.persons, rng)
    incomplete = simulate(args.fiml_persons, rng, args.missing)
    if "riclpm" in run:
        compare(
            "RI-CLPM, complete data (ML)",
            model,
            complete,
            {"meanstructure": True},
            "meanstructure = TRUE",
            repeat=args.repeat,
            target=5,
        )
    if "fiml" in run:
        compare(
            f"RI-CLPM, FIML with {args.missing:.0%} of values missing",
            model,
            incomplete,
            {"missing": "ml"},
            'missing = "ml"',
            repeat=args.repeat,
            target=10,
        )
    for n in args.cfa_persons:
        data = simulate_cfa(n, rng)
        ordinal = simulate_cfa(n, rng, ordinal=True)
        if "mlr" in run:
            compare(
                "Three-factor CFA, MLR (skewed items)",
                CFA,
                data,
                {"estimator": "MLR"},
                'estimator = "MLR"',
                repeat=args.repeat,
                target=3,
            )
        if "groups" in run:
            compare(
                "Three-factor CFA, two groups, equal loadings and intercepts (ML)",
                CFA,
                data,
                {"group": "service", "group_equal": "loadings,intercepts"},
                'group = "service", group.equal = c("loadings", "intercepts")',
                repeat=args.repeat,
                target=3,
            )
        if "wlsmv" in run:
            compare(
                "Three-factor CFA, four ordered categories (WLSMV)",
                CFA,
                ordinal,
                {"ordered": [f"x{i}" for i in range(1, 10)]},
                'ordered = paste0("x", 1:9), estimator = "WLSMV"',
                repeat=args.repeat,
                target=3,
            )
        if "wlsmv-groups" in run:
            compare(
                "Three-factor CFA, four ordered categories, two groups, equal loadings and "
                "thresholds (WLSMV)",
                CFA,
                ordinal,
                {
                    "ordered": [f"x{i}" for i in range(1, 10)],
                    "group": "service",
                    "group_equal": "loadings,thresholds",
                },
                'ordered = paste0("x", 1:9), estimator = "WLSMV", group = "service", '
                'group.equal = c("loadings", "thresholds")',
                repeat=args.repeat,
                target=3,
            )


if __name__ == "__main__":
    main()
