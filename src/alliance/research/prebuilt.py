"""Prebuilt structural equation models of the working alliance, in lavaan syntax.

Each builder returns lavaan syntax (so a researcher can read, change and refit it with
``alliance research fit`` or lavaan itself) and each ``fit_*`` function fits it with
``alliance.research.sem.fit_sem``. The multilevel model (d) is in
``alliance.research.multilevel.alliance_outcome_model``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .multilevel import Table
from .sem import SemFit, fit_sem

__all__ = [
    "alliance_flourishing_syntax",
    "alliance_wellbeing_syntax",
    "fit_alliance_flourishing",
    "fit_alliance_wellbeing",
    "fit_measurement_invariance",
    "INVARIANCE_LEVELS",
    "ORDINAL_INVARIANCE_LEVELS",
    "fit_riclpm",
    "riclpm_syntax",
    "riclpm_paths",
]


def _alliance_block(goal: Sequence[str], task: Sequence[str], bond: Sequence[str]) -> list[str]:
    for name, items in (("goal", goal), ("task", task), ("bond", bond)):
        if len(items) < 2:
            raise ValueError(f"the {name} factor needs two or more items")
    return [
        "goal =~ " + " + ".join(goal),
        "task =~ " + " + ".join(task),
        "bond =~ " + " + ".join(bond),
        "alliance =~ goal + task + bond",
    ]


def alliance_flourishing_syntax(
    goal: Sequence[str], task: Sequence[str], bond: Sequence[str], flourishing: Sequence[str]
) -> str:
    """(a) Working alliance -> flourishing: five latent variables.

    Path diagram in words: goal, task and bond are latent variables, each measured by its
    alliance items (first loading fixed to 1); a second-order latent "alliance" is
    measured by goal, task and bond; "flourishing" is a latent variable measured by the
    Flourishing Scale items; one regression path runs from alliance to flourishing. The
    residuals of goal, task and bond are independent.

    References: Bordin, E. S. (1979) (goal, task, bond); Hatcher & Gillaspy (2006) WAI-SR;
    Diener, E. et al. (2010). New well-being measures. Social Indicators Research, 97.
    """
    if len(flourishing) < 2:
        raise ValueError("flourishing needs two or more items")
    lines = _alliance_block(goal, task, bond)
    lines += ["flourishing =~ " + " + ".join(flourishing), "flourishing ~ alliance"]
    return "\n".join(lines) + "\n"


def alliance_wellbeing_syntax(
    goal: Sequence[str],
    task: Sequence[str],
    bond: Sequence[str],
    dimensions: Mapping[str, Sequence[str]],
    *,
    second_order: bool = True,
) -> str:
    """(b) Working alliance -> dimensions of psychological wellbeing.

    Path diagram in words: goal, task and bond (latent, measured by their items) define a
    second-order "alliance"; each wellbeing dimension (e.g. Ryff's autonomy, environmental
    mastery, personal growth, positive relations, purpose in life, self-acceptance) is a
    latent variable measured by its items. With ``second_order=True`` the dimensions
    define a second-order "wellbeing" regressed on alliance (with six dimensions: 11
    latent variables); otherwise each dimension is regressed on alliance and their
    residuals covary.

    References: Ryff, C. D. & Keyes, C. L. M. (1995). The structure of psychological
    well-being revisited. Journal of Personality and Social Psychology, 69, 719-727.
    """
    if len(dimensions) < 2:
        raise ValueError("give two or more wellbeing dimensions")
    lines = _alliance_block(goal, task, bond)
    for name, items in dimensions.items():
        if len(items) < 2:
            raise ValueError(f"dimension {name} needs two or more items")
        lines.append(f"{name} =~ " + " + ".join(items))
    if second_order:
        lines.append("wellbeing =~ " + " + ".join(dimensions))
        lines.append("wellbeing ~ alliance")
    else:
        for name in dimensions:
            lines.append(f"{name} ~ alliance")
    return "\n".join(lines) + "\n"


def riclpm_syntax(x: Sequence[str], y: Sequence[str]) -> str:
    """(c) Random-intercept cross-lagged panel model for two variables over T waves.

    Path diagram in words (Hamaker, Kuiper & Grasman 2015): each observed score is its
    wave mean (free intercept) plus a stable person-level random intercept (RIx, RIy:
    loadings fixed to 1 at every wave; they covary) plus a within-person deviation
    (wx_t, wy_t: one latent per wave with loading 1; observed residual variances fixed
    to 0). Within-person deviations follow autoregressive paths (wx_t ~ wx_{t-1}) and
    cross-lagged paths (wy_t ~ wx_{t-1}: does a better-than-usual alliance precede
    fewer symptoms than usual?); deviations at the same wave covary (wave 1) or their
    residuals do (later waves). The random intercepts are uncorrelated with the wave-1
    deviations. Paths are free at each wave (no equality constraints).

    References: Hamaker, E. L., Kuiper, R. M. & Grasman, R. P. P. P. (2015). A critique of
    the cross-lagged panel model. Psychological Methods, 20, 102-116. Mulder, J. D. &
    Hamaker, E. L. (2021). Three extensions of the RI-CLPM. Structural Equation Modeling.
    """
    if len(x) != len(y) or len(x) < 3:
        raise ValueError("give the same number (three or more) of waves for x and y")
    t = len(x)
    lines = [
        "RIx =~ " + " + ".join(f"1*{v}" for v in x),
        "RIy =~ " + " + ".join(f"1*{v}" for v in y),
    ]
    lines += [f"wx{i + 1} =~ 1*{v}" for i, v in enumerate(x)]
    lines += [f"wy{i + 1} =~ 1*{v}" for i, v in enumerate(y)]
    lines += [f"wx{i} ~ wx{i - 1} + wy{i - 1}" for i in range(2, t + 1)]
    lines += [f"wy{i} ~ wx{i - 1} + wy{i - 1}" for i in range(2, t + 1)]
    lines += [f"wx{i} ~~ wy{i}" for i in range(1, t + 1)]
    lines += ["RIx ~~ RIy", "RIx ~~ 0*wx1 + 0*wy1", "RIy ~~ 0*wx1 + 0*wy1"]
    lines += [f"{v} ~~ 0*{v}" for v in [*x, *y]]
    return "\n".join(lines) + "\n"


def _fit_variant(
    syntax: str, data: Table, *, missing: str, ordinal: bool, estimator: str | None
) -> SemFit:
    if ordinal:
        # Likert items as ordered categories: WLSMV on complete cases, as lavaan
        return fit_sem(syntax, data, ordered=True, estimator=estimator)
    return fit_sem(syntax, data, missing=missing, estimator=estimator)


def fit_alliance_flourishing(
    data: Table,
    goal: Sequence[str],
    task: Sequence[str],
    bond: Sequence[str],
    flourishing: Sequence[str],
    *,
    missing: str = "ml",
    ordinal: bool = False,
    estimator: str | None = None,
) -> SemFit:
    """Fit model (a); see ``alliance_flourishing_syntax``.

    ML (FIML by default) treats the items as continuous; ``ordinal=True`` treats every
    item as an ordered category (Likert answers) and fits by WLSMV; ``estimator="MLR"``
    gives robust standard errors and the scaled test for non-normal item scores.
    """
    syntax = alliance_flourishing_syntax(goal, task, bond, flourishing)
    return _fit_variant(syntax, data, missing=missing, ordinal=ordinal, estimator=estimator)


def fit_alliance_wellbeing(
    data: Table,
    goal: Sequence[str],
    task: Sequence[str],
    bond: Sequence[str],
    dimensions: Mapping[str, Sequence[str]],
    *,
    second_order: bool = True,
    missing: str = "ml",
    ordinal: bool = False,
    estimator: str | None = None,
) -> SemFit:
    """Fit model (b); see ``alliance_wellbeing_syntax`` (``ordinal``: as model (a))."""
    syntax = alliance_wellbeing_syntax(goal, task, bond, dimensions, second_order=second_order)
    return _fit_variant(syntax, data, missing=missing, ordinal=ordinal, estimator=estimator)


#: levels of measurement invariance and what each holds equal across groups
INVARIANCE_LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}

# Ordered items (WLSMV, delta parameterization): thresholds first, then loadings as well
# (Wu & Estabrook 2016; Svetina, Rutkowski & Rutkowski 2020). Equal thresholds free the
# later groups' latent means and scale factors, as lavaan does.
ORDINAL_INVARIANCE_LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "loadings": ("thresholds", "loadings"),
}


def fit_measurement_invariance(
    data: Table,
    factors: Mapping[str, Sequence[str]],
    group: str,
    *,
    levels: Sequence[str] | None = None,
    estimator: str | None = None,
    ordinal: bool = False,
) -> tuple[dict[str, SemFit], pd.DataFrame]:
    """Measurement invariance across groups, each level one multiple-group model.

    ``factors`` maps each latent variable to its items (e.g. goal, task and bond of the
    WAI-SR); ``group`` is the column naming the groups (service, gender, language). Each
    level is one model fitted in every group at once, with ``INVARIANCE_LEVELS[level]``
    held equal (lavaan's ``group.equal``; default configural, metric, scalar). With
    ``ordinal=True`` the items are ordered categories fitted by WLSMV and the levels are
    ``ORDINAL_INVARIANCE_LEVELS`` (configural, equal thresholds, equal thresholds and
    loadings). Returns the fits and a table with one row per level: chisq, df, cfi, rmsea,
    srmr, and the chi-square difference test against the previous level (delta_chisq,
    delta_df, pvalue; ML only: a WLSMV difference needs lavaan's scaled DIFFTEST, so its
    pvalue is left empty), delta_cfi.

    References: Putnick, D. L. & Bornstein, M. H. (2016). Measurement invariance
    conventions and reporting. Developmental Review, 41, 71-90. Wu, H. & Estabrook, R.
    (2016). Identification of confirmatory factor analysis models of different levels of
    invariance for ordered categorical outcomes. Psychometrika, 81, 1014-1045.
    """
    from scipy import stats

    known = ORDINAL_INVARIANCE_LEVELS if ordinal else INVARIANCE_LEVELS
    if levels is None:
        levels = list(known)[:3]
    unknown = [level for level in levels if level not in known]
    if unknown:
        raise ValueError(f"unknown level {unknown[0]!r}; use {', '.join(known)}")
    syntax = "\n".join(f"{f} =~ " + " + ".join(items) for f, items in factors.items()) + "\n"
    fits = {
        level: fit_sem(
            syntax,
            data,
            group=group,
            group_equal=known[level],
            estimator=estimator,
            ordered=True if ordinal else None,
        )
        for level in levels
    }
    rows = []
    previous = None
    for level, fit in fits.items():
        row = {"level": level, **{k: fit.fit[k] for k in ("chisq", "df", "cfi", "rmsea", "srmr")}}
        if previous is not None:
            d_chisq = fit.fit["chisq"] - previous.fit["chisq"]
            d_df = fit.fit["df"] - previous.fit["df"]
            row.update(
                delta_chisq=d_chisq,
                delta_df=d_df,
                pvalue=(
                    float(stats.chi2.sf(d_chisq, d_df))
                    if d_df > 0 and not ordinal
                    else float("nan")
                ),
                delta_cfi=fit.fit["cfi"] - previous.fit["cfi"],
            )
        rows.append(row)
        previous = fit
    return fits, pd.DataFrame(rows)


def fit_riclpm(data: Table, x: Sequence[str], y: Sequence[str], *, missing: str = "ml") -> SemFit:
    """Fit model (c) to wide data (one row per episode, one column per wave).

    Full-information ML by default: clients miss sessions, and FIML uses every
    observed wave under missing at random.
    """
    return fit_sem(riclpm_syntax(x, y), data, missing=missing, meanstructure=True)


def riclpm_paths(fit: SemFit) -> pd.DataFrame:
    """The within-person autoregressive and cross-lagged paths of a fitted RI-CLPM.

    Columns: ``path`` (autoregressive x / y, x -> y, y -> x), ``wave``, ``est``, ``se``,
    ``z``, ``pvalue``, ``ci_low``, ``ci_high`` (95% Wald).
    """
    est = fit.estimates
    reg = est[(est["op"] == "~") & est["lhs"].str.match(r"^w[xy]\d+$")].copy()
    kinds = {
        ("x", "x"): "autoregressive x",
        ("y", "y"): "autoregressive y",
        ("y", "x"): "x -> y",
        ("x", "y"): "y -> x",
    }
    reg["path"] = [kinds[(a[1], b[1])] for a, b in zip(reg["lhs"], reg["rhs"], strict=True)]
    reg["wave"] = reg["lhs"].str[2:].astype(int)
    reg["ci_low"] = reg["est"] - 1.959963984540054 * reg["se"]
    reg["ci_high"] = reg["est"] + 1.959963984540054 * reg["se"]
    cols = ["path", "wave", "est", "se", "z", "pvalue", "ci_low", "ci_high"]
    return reg[cols].sort_values(["path", "wave"]).reset_index(drop=True)
