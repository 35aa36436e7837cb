"""Reliability and factor structure of a measure, pingouin-style: tables in, tables out.

All functions take a data frame with one column per item (one row per completed form)
and column names; they return frozen dataclasses or data frames with stable columns.
Rows with a missing item are dropped (listwise), as a scale score would be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .datasets import safe_name
from .multilevel import Table, as_pandas
from .sem import SemFit, fit_sem

__all__ = [
    "AlphaResult",
    "OmegaResult",
    "compare_alliance_structures",
    "cronbach_alpha",
    "item_total",
    "measurement_invariance",
    "mcdonald_omega",
    "reliability_from_long",
    "reliability_table",
]


def _items(data: Table, items: Sequence[str] | None) -> pd.DataFrame:
    frame = as_pandas(data)
    cols = list(items) if items is not None else list(frame.columns)
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise KeyError(f"items not in the data: {', '.join(absent)}")
    if len(cols) < 2:
        raise ValueError("reliability needs at least two items")
    out: pd.DataFrame = frame[cols].apply(pd.to_numeric, errors="coerce").dropna()
    if len(out) < 3:
        raise ValueError("fewer than three complete rows")
    return out


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with Feldt's confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    std_alpha: float  # from the item correlations
    average_r: float
    n: int
    k: int
    confidence: float


def cronbach_alpha(
    data: Table, items: Sequence[str] | None = None, *, confidence: float = 0.95
) -> AlphaResult:
    """Cronbach's alpha of ``items`` with a Feldt confidence interval.

    alpha = k / (k - 1) * (1 - sum(s_i^2) / s_X^2). The interval uses
    (1 - alpha) / (1 - alpha_hat) ~ F(n - 1, (n - 1)(k - 1)) (Feldt, Woodruff & Salih
    1987), as psych::alpha's ``feldt`` and pingouin.cronbach_alpha.

    References: Cronbach, L. J. (1951). Psychometrika, 16, 297-334.
    """
    x = _items(data, items)
    n, k = x.shape
    cov = np.cov(x.to_numpy(), rowvar=False, ddof=1)
    alpha = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    corr = np.corrcoef(x.to_numpy(), rowvar=False)
    average_r = (corr.sum() - k) / (k * (k - 1))
    std_alpha = k * average_r / (1 + (k - 1) * average_r)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return AlphaResult(
        float(alpha),
        float(low),
        float(high),
        float(std_alpha),
        float(average_r),
        int(n),
        int(k),
        confidence,
    )


def item_total(data: Table, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Item statistics: mean, sd, item–total r, corrected (item–rest) r, alpha if dropped.

    Columns: ``item, mean, sd, r_total, r_drop, alpha_if_dropped`` (``r_drop`` is
    psych::alpha's ``r.drop``, the correlation of the item with the sum of the others).
    """
    x = _items(data, items)
    total = x.sum(axis=1)
    rows = []
    for col in x.columns:
        rest = total - x[col]
        others = [c for c in x.columns if c != col]
        rows.append(
            {
                "item": col,
                "mean": float(x[col].mean()),
                "sd": float(x[col].std(ddof=1)),
                "r_total": float(np.corrcoef(x[col], total)[0, 1]),
                "r_drop": float(np.corrcoef(x[col], rest)[0, 1]),
                "alpha_if_dropped": (
                    cronbach_alpha(x, others).alpha if len(others) >= 2 else math.nan
                ),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total from a one-factor model, with the model's fit."""

    omega_total: float
    loadings: pd.Series[float]  # standardised loadings
    fit: dict[str, float]
    n: int


def mcdonald_omega(data: Table, items: Sequence[str] | None = None) -> OmegaResult:
    """McDonald's omega total from a one-factor ML CFA.

    omega = (sum lambda)^2 phi / ((sum lambda)^2 phi + sum theta), with loadings lambda,
    factor variance phi and residual variances theta of the fitted congeneric model.

    References: McDonald, R. P. (1999). Test theory: a unified treatment. Erlbaum.
    """
    x = _items(data, items)
    cols = list(x.columns)
    model = "f =~ " + " + ".join(cols)
    fit = fit_sem(model, x)
    est = fit.estimates
    lam = est[(est.op == "=~")].set_index("rhs")["est"].reindex(cols)
    residual = est[(est.op == "~~") & (est.lhs == est.rhs) & (est.lhs != "f")]
    theta = residual.set_index("lhs")["est"].reindex(cols)
    phi = float(est[(est.op == "~~") & (est.lhs == "f")]["est"].iloc[0])
    common = lam.sum() ** 2 * phi
    omega = common / (common + theta.sum())
    implied = fit.implied_cov
    assert isinstance(implied, pd.DataFrame)  # one group: one frame
    sd = np.sqrt(np.diag(implied.loc[cols, cols]))
    std = lam * math.sqrt(phi) / sd
    return OmegaResult(float(omega), std.rename("loading"), dict(fit.fit), len(x))


def reliability_table(data: Table, scales: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Alpha (with CI), omega total and score mean/sd per scale.

    Columns: ``scale, k, n, alpha, alpha_ci_low, alpha_ci_high, omega_total, mean, sd``.
    Omega needs three or more items (a one-factor model with two is not identified).
    """
    rows = []
    for scale, items in scales.items():
        a = cronbach_alpha(data, items)
        x = _items(data, items)
        om = mcdonald_omega(data, items).omega_total if len(items) >= 3 else math.nan
        score = x.sum(axis=1)
        rows.append(
            {
                "scale": scale,
                "k": a.k,
                "n": a.n,
                "alpha": a.alpha,
                "alpha_ci_low": a.ci_low,
                "alpha_ci_high": a.ci_high,
                "omega_total": om,
                "mean": float(score.mean()),
                "sd": float(score.std(ddof=1)),
            }
        )
    return pd.DataFrame(rows)


def reliability_from_long(
    long: pd.DataFrame,
    instrument: str,
    scales: Mapping[str, Sequence[str]],
    *,
    occasion: Literal["first", "last", "all"] = "first",
) -> pd.DataFrame:
    """``reliability_table`` for one instrument of a long research data set.

    ``long`` is ``build_datasets(...).long``; ``scales`` maps scale names to the
    instrument's item ids (e.g. ``{"goal": ["4", "6", "8", "11"], ...}``). One form per
    episode keeps the rows independent: its ``"first"`` or ``"last"`` form, or
    ``"all"`` forms (repeated measures: the CI is then too narrow).
    """
    forms = long[long["instrument"] == instrument].sort_values("session_number")
    if forms.empty:
        raise ValueError(f"no {instrument} forms in the data set")
    if occasion in ("first", "last"):
        forms = forms.drop_duplicates("episode_id", keep=occasion)
    elif occasion != "all":
        raise ValueError("occasion must be 'first', 'last' or 'all'")
    cols = {k: [safe_name(instrument, i) for i in v] for k, v in scales.items()}
    table = reliability_table(forms, cols)
    table.insert(0, "instrument", instrument)
    return table


_FIT_COLUMNS = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]


def _fit_row(name: str, fit: SemFit) -> dict[str, str | float]:
    row: dict[str, str | float] = {"model": name, **{k: fit.fit[k] for k in _FIT_COLUMNS}}
    row["df"] = int(row["df"])
    return row


def _difference(table: pd.DataFrame) -> pd.DataFrame:
    d_chisq = table["chisq"].diff()
    d_df = table["df"].diff()
    table["delta_chisq"] = d_chisq
    table["delta_df"] = d_df
    table["delta_pvalue"] = [
        float(stats.chi2.sf(c, d)) if d and d > 0 and c == c else math.nan
        for c, d in zip(d_chisq, d_df, strict=True)
    ]
    table["delta_cfi"] = table["cfi"].diff()
    return table


def compare_alliance_structures(
    data: Table, goal: Sequence[str], task: Sequence[str], bond: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, SemFit]]:
    """CFA of an alliance measure: three correlated factors (goal, task, bond) vs one.

    Returns a fit table (``model, chisq, df, pvalue, cfi, tli, rmsea, srmr, aic, bic,
    delta_chisq, delta_df, delta_pvalue, delta_cfi``; the delta row tests the one-factor
    model against the three-factor model, which nests it) and the fits.

    References: Hatcher, R. L. & Gillaspy, J. A. (2006). Development and validation of a
    revised short version of the Working Alliance Inventory. Psychotherapy Research, 16.
    """
    three = f"goal =~ {' + '.join(goal)}\ntask =~ {' + '.join(task)}\nbond =~ {' + '.join(bond)}"
    one = "alliance =~ " + " + ".join([*goal, *task, *bond])
    cols = [*goal, *task, *bond]
    x = _items(data, cols)
    fits = {"three_factor": fit_sem(three, x), "one_factor": fit_sem(one, x)}
    table = pd.DataFrame([_fit_row(k, v) for k, v in fits.items()])
    return _difference(table), fits


def invariance_syntax(early: Sequence[str], late: Sequence[str]) -> dict[str, str]:
    """lavaan syntax of the configural, metric and scalar models for two occasions.

    The same items measured early and late load on one factor per occasion; each item's
    residuals covary across occasions; the early factor mean is 0. Metric: equal
    loadings. Scalar: equal loadings and intercepts, the late factor mean free.
    """
    if len(early) != len(late) or len(early) < 3:
        raise ValueError("give the same three or more items for both occasions, in order")

    def build(load_eq: bool, int_eq: bool) -> str:
        lines = []
        for occ, items in (("early", early), ("late", late)):
            terms = []
            for j, item in enumerate(items):
                if j == 0:
                    terms.append(f"1*{item}")
                else:
                    label = f"l{j + 1}" if load_eq else f"l{j + 1}{occ[0]}"
                    terms.append(f"{label}*{item}")
            lines.append(f"{occ} =~ " + " + ".join(terms))
        for a, b in zip(early, late, strict=True):
            lines.append(f"{a} ~~ {b}")
        for occ, items in (("early", early), ("late", late)):
            for j, item in enumerate(items):
                label = f"i{j + 1}" if int_eq else f"i{j + 1}{occ[0]}"
                lines.append(f"{item} ~ {label}*1")
        lines.append("early ~ 0*1")
        lines.append("late ~ NA*1" if int_eq else "late ~ 0*1")
        return "\n".join(lines)

    return {
        "configural": build(False, False),
        "metric": build(True, False),
        "scalar": build(True, True),
    }


def measurement_invariance(
    data: Table, early: Sequence[str], late: Sequence[str], *, missing: str = "listwise"
) -> tuple[pd.DataFrame, dict[str, SemFit]]:
    """Longitudinal measurement invariance (configural, metric, scalar) of one factor.

    ``data`` is wide: one row per episode, the items at the early occasion in ``early``
    and the same items at the late occasion in ``late`` (same order). Returns the fit
    table with chi-square difference tests between successive models (and delta CFI;
    a drop of more than .01 suggests non-invariance, Cheung & Rensvold 2002).

    References: Widaman, K. F. & Reise, S. P. (1997); Vandenberg, R. J. & Lance, C. E.
    (2000). Organizational Research Methods, 3, 4-70.
    """
    syntax = invariance_syntax(early, late)
    frame = as_pandas(data)
    fits = {k: fit_sem(v, frame, missing=missing) for k, v in syntax.items()}
    table = pd.DataFrame([_fit_row(k, v) for k, v in fits.items()])
    return _difference(table), fits
