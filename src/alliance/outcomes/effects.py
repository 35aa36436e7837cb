"""Fair comparisons: case-mix-adjusted practitioner effects and the alliance–outcome split.

Both are random-intercept models of one row per episode (clients nested in
practitioners), fitted with the project's multilevel engine's REML criterion
(:mod:`alliance.research.multilevel`) and checked against lme4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from alliance.research._blas import single_thread_blas
from alliance.research.multilevel import (
    GroupCrossProducts,
    MixedResult,
    Table,
    as_pandas,
    person_mean_centre,
    profile_deviance,
)

__all__ = [
    "CAVEATS",
    "PractitionerEffects",
    "AllianceSplit",
    "practitioner_effects",
    "alliance_outcome_split",
    "fit_intercepts",
]

Z95 = 1.959963984540054

CAVEATS = (
    "Small caseloads: with few completed episodes an estimate is mostly the practice's "
    "average (it is shrunk towards zero) and its interval is wide; do not rank people on it.",
    "Regression to the mean: clients who start very unwell tend to score better later "
    "whoever sees them; the model adjusts for intake severity, but not for everything that "
    "differs between caseloads (referral route, diagnosis, life events).",
    "An interval that includes zero means the data cannot tell this practitioner's clients "
    "from the practice's average.",
)


@dataclass(frozen=True)
class PractitionerEffects:
    """Shrunken practitioner intercepts (BLUPs) with intervals, and the fitted model."""

    effects: pd.DataFrame  # practitioner, episodes, effect, se, low, high
    model: MixedResult
    icc: float  # share of the adjusted outcome variance between practitioners
    left_out: dict[str, int]


@dataclass(frozen=True)
class AllianceSplit:
    """Within- and between-practitioner alliance effects on the outcome."""

    within: dict[str, float]  # est, se, low, high
    between: dict[str, float]
    difference: dict[str, float]  # between − within (the practitioner's own contribution)
    model: MixedResult
    left_out: dict[str, int]


def _frame(data: Table, cols: Sequence[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    frame = as_pandas(data)
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise KeyError(f"columns not in the data: {', '.join(absent)}")
    complete = frame.dropna(subset=list(cols))
    left = {}
    if len(complete) < len(frame):
        left["a value needed by the model is missing"] = len(frame) - len(complete)
    return complete.reset_index(drop=True), left


def fit_intercepts(
    frame: pd.DataFrame, outcome: str, fixed: Sequence[str], group: str
) -> MixedResult:
    """REML fit of ``outcome ~ 1 + fixed + (1 | group)`` with a global search over θ.

    Uses the multilevel engine's profiled REML criterion (``alliance.research.multilevel``,
    the same algebra as lme4) but searches its single parameter θ = τ/σ over a grid on
    [0, 20] before a bounded Brent refinement: with a group-level predictor (a
    practitioner's mean alliance) the engine's gradient search can stop at θ = 0 while
    lme4 finds the interior optimum.
    """
    groups = pd.factorize(frame[group])[0]
    x = np.column_stack([np.ones(len(frame)), frame[list(fixed)].to_numpy(dtype=float)])
    y = frame[outcome].to_numpy(dtype=float)
    names = ["(Intercept)", *fixed]
    with single_thread_blas():
        st = GroupCrossProducts(groups, np.ones((len(frame), 1)), x, y)

        def crit(t: float) -> float:
            return profile_deviance(np.array([t]), st, True)[0]

        grid = np.r_[0.0, np.geomspace(1e-3, 20.0, 60)]
        values = [crit(t) for t in grid]
        best = int(np.argmin(values))
        theta = float(grid[best])
        if best > 0:
            lo = grid[best - 1]
            hi = grid[min(best + 1, len(grid) - 1)]
            res = optimize.minimize_scalar(crit, bounds=(lo, hi), method="bounded",
                                           options={"xatol": 1e-10})  # fmt: skip
            if res.fun <= values[best]:
                theta = float(res.x)
        value, beta, sigma2, a, lam = profile_deviance(np.array([theta]), st, True)
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(a)))
    z = beta / se
    fixed_table = pd.DataFrame(
        {"term": names, "est": beta, "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z))}
    )
    return MixedResult(
        fixed=fixed_table,
        random={"var_intercept": float(sigma2 * theta**2), "var_residual": float(sigma2)},
        loglik=-value / 2,
        criterion=float(value),
        reml=True,
        n_obs=st.n_obs,
        n_groups=st.n_groups,
        converged=True,
        theta=(theta,),
    )


def _ci(est: float, se: float) -> dict[str, float]:
    return {"est": est, "se": se, "low": est - Z95 * se, "high": est + Z95 * se}


def practitioner_effects(
    data: Table,
    *,
    outcome: str = "end",
    intake: str = "start",
    practitioner: str = "practitioner",
    covariates: Sequence[str] = (),
) -> PractitionerEffects:
    """Case-mix-adjusted practitioner effects: random intercepts with intervals.

    One row per counted episode of client i with practitioner j:

        outcome_ij = b0 + b1·intake_ij + Σ bk·covariate_ij + u_j + e_ij,
        u_j ~ N(0, τ²),  e_ij ~ N(0, σ²),

    fitted by REML. The practitioner's effect is the best linear unbiased predictor

        û_j = λ_j · mean_i(outcome_ij − x_ij'b̂),   λ_j = τ² / (τ² + σ²/n_j),

    which shrinks a small caseload towards 0, with conditional variance
    Var(u_j | y) = λ_j·σ²/n_j (lme4's ``ranef(condVar = TRUE)``); the interval is
    û_j ± 1.96·√Var. For an outcome where higher is worse (PHQ-9), a negative effect means
    the practitioner's clients ended lower than clients like them elsewhere in the practice.
    ICC = τ² / (τ² + σ²).

    References: Bates et al. (2015), lme4, J Stat Softw 67(1); Goldstein, H. & Spiegelhalter,
    D. J. (1996). League tables and their limitations. JRSS A 159, 385–443; Wampold, B. E. &
    Imel, Z. E. (2015). The Great Psychotherapy Debate, 2nd ed., ch. 6 (therapist effects).
    """
    cols = [outcome, intake, *covariates, practitioner]
    frame, left = _frame(data, cols)
    model = fit_intercepts(frame, outcome, [intake, *covariates], practitioner)
    beta = model.fixed.set_index("term")["est"]
    x = np.column_stack([np.ones(len(frame)), frame[[intake, *covariates]].to_numpy(float)])
    resid = frame[outcome].to_numpy(float) - x @ beta.to_numpy()
    tau2 = model.random["var_intercept"]
    sigma2 = model.random["var_residual"]
    grouped = pd.DataFrame({"practitioner": frame[practitioner].to_numpy(), "r": resid}).groupby(
        "practitioner", sort=True
    )["r"]
    n = grouped.size()
    mean = grouped.mean()
    lam = tau2 / (tau2 + sigma2 / n)
    effect = lam * mean
    var = lam * sigma2 / n
    se = np.sqrt(var)
    effects = pd.DataFrame(
        {
            "practitioner": n.index,
            "episodes": n.to_numpy(int),
            "effect": effect.to_numpy(),
            "se": np.asarray(se),
            "low": (effect - Z95 * se).to_numpy(),
            "high": (effect + Z95 * se).to_numpy(),
        }
    )
    icc = tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else math.nan
    return PractitionerEffects(effects, model, icc, left)


def alliance_outcome_split(
    data: Table,
    *,
    outcome: str = "end",
    alliance: str = "alliance",
    intake: str = "start",
    practitioner: str = "practitioner",
) -> AllianceSplit:
    """Split the alliance–outcome link into practitioner and client parts (BWI 2007).

    One row per episode of client i with practitioner j; the alliance (e.g. at session 3)
    is split into the practitioner's mean over their clients and each client's deviation
    from it:

        outcome_ij = b0 + b1·intake_ij + bW·(alliance_ij − ālliance_j) + bB·ālliance_j
                     + u_j + e_ij,   u_j ~ N(0, τ²)

    bW (within) is the client's contribution: does a client who forms a better alliance
    than this practitioner's other clients do better? bB (between) is the practitioner's:
    do practitioners who form better alliances on average have better outcomes? The
    difference bB − bW (with its SE from the fixed-effect covariance) is the part of the
    link owed to the practitioner beyond the client. Baldwin, Wampold & Imel found the
    practitioner part carried the association (between 0 and within ≈ 0).

    Reference: Baldwin, S. A., Wampold, B. E. & Imel, Z. E. (2007). Untangling the
    alliance–outcome correlation: exploring the relative importance of therapist and
    patient variability in the alliance. J Consult Clin Psychol 75(6), 842–852.
    """
    cols = [outcome, alliance, intake, practitioner]
    frame, left = _frame(data, cols)
    frame = person_mean_centre(frame, alliance, practitioner)
    within, between = alliance + "_within", alliance + "_between"
    model = fit_intercepts(frame, outcome, [intake, within, between], practitioner)
    fixed = model.fixed.set_index("term")
    est, se = fixed["est"], fixed["se"]
    w = _ci(float(est[within]), float(se[within]))
    b = _ci(float(est[between]), float(se[between]))
    # Var(bB − bW) needs their covariance: refit on the contrast parametrisation
    # outcome = ... + bW·alliance + (bB − bW)·ālliance_j, whose second slope is the difference.
    contrast = fit_intercepts(frame, outcome, [intake, alliance, between], practitioner)
    cfixed = contrast.fixed.set_index("term")
    diff = _ci(float(cfixed["est"][between]), float(cfixed["se"][between]))
    return AllianceSplit(w, b, diff, model, left)
