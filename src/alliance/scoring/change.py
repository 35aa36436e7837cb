"""Reliable and clinically significant change (Jacobson & Truax 1991)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

from alliance.instruments import Instrument, load_instrument

from .single import Score

Category = Literal["recovered", "improved", "unchanged", "deteriorated"]

#: Two-tailed 95% criterion for the reliable change index.
RCI_CRITERION = 1.96


@dataclass(frozen=True)
class ReliableChange:
    """Change between two scores on one instrument.

    ``improvement`` is positive when the client got better, whatever the instrument's
    direction. ``reliable``/``category`` are None when the instrument has no
    reliable-change criterion (e.g. K10, Flourishing, Alliance Check).
    """

    instrument: str
    before: float
    after: float
    change: float
    improvement: float
    threshold: float | None
    rci: float | None
    reliable: bool | None
    before_clinical: bool | None
    after_clinical: bool | None
    category: Category | None
    method: str | None


def _value(x: float | Score, label: str) -> float:
    if isinstance(x, Score):
        if x.total is None:
            raise ValueError(f"{label} score for {x.instrument} has no total (not scored)")
        return float(x.total)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        raise ValueError(f"{label} score is missing")
    return float(x)


def reliable_change(
    before: float | Score, after: float | Score, instrument: Instrument | str
) -> ReliableChange:
    """Classify the change from ``before`` to ``after`` (Jacobson–Truax, direction-aware).

    Parameters
    ----------
    before, after : float or Score
        Totals (or Scores) on the instrument's scale.
    instrument : Instrument or str

    Returns
    -------
    ReliableChange

    Notes
    -----
    Jacobson–Truax with Christensen & Mendoza's √2 (Jacobson & Truax 1991, J Consult
    Clin Psychol 59:12–19):

        SE     = SD₁ · √(1 − r_xx)
        S_diff = √(2 · SE²) = SD₁ · √2 · √(1 − r_xx)
        RC     = (x_post − x_pre) / S_diff,   reliable if |RC| > 1.96

    Instruments may instead carry a documented fixed threshold (PHQ-9: 6, GAD-7: 4 in
    NHS Talking Therapies), reliable when |Δ| ≥ threshold.

    Categories: *recovered* = reliable improvement that moves from the clinical to the
    non-clinical side of the cut-off; *improved* = reliable improvement otherwise;
    *deteriorated* = reliable worsening; *unchanged* = anything else.
    """
    inst = load_instrument(instrument) if isinstance(instrument, str) else instrument
    for s in (before, after):
        if isinstance(s, Score) and s.instrument != inst.id:
            raise ValueError(f"score is for {s.instrument!r}, not {inst.id!r}")
    x0, x1 = _value(before, "before"), _value(after, "after")
    lo, hi = inst.range
    for label, x in (("before", x0), ("after", x1)):
        if not lo <= x <= hi:
            raise ValueError(f"{label} score {x:g} is outside {inst.id}'s range {lo:g}..{hi:g}")
    change = x1 - x0
    improvement = change if inst.higher_is_better else -change
    crit = inst.reliable_change
    b_clin = inst.is_clinical(x0)
    a_clin = inst.is_clinical(x1)
    if crit is None:
        return ReliableChange(
            inst.id, x0, x1, change, improvement, None, None, None, b_clin, a_clin, None, None
        )

    rci = None
    if crit.method == "jacobson_truax":
        rci = change / cast(float, crit.s_diff)  # set for this method
        reliable = abs(rci) > RCI_CRITERION
    elif crit.inclusive:
        reliable = abs(change) >= crit.threshold
    else:
        reliable = abs(change) > crit.threshold

    category: Category
    if reliable and improvement > 0:
        category = "recovered" if (b_clin is True and a_clin is False) else "improved"
    elif reliable and improvement < 0:
        category = "deteriorated"
    else:
        category = "unchanged"
    return ReliableChange(
        inst.id,
        x0,
        x1,
        change,
        improvement,
        crit.threshold,
        rci,
        reliable,
        b_clin,
        a_clin,
        category,
        crit.method,
    )


def jacobson_truax_cutoffs(
    mean_dysfunctional: float, sd_dysfunctional: float, mean_functional: float, sd_functional: float
) -> dict[str, float]:
    """Clinical cut-offs a, b and c (for scales where higher is worse).

    a = M_dys − 2·SD_dys;  b = M_func + 2·SD_func;
    c = (SD_dys·M_func + SD_func·M_dys) / (SD_dys + SD_func)   (Jacobson & Truax 1991).
    For CORE-10 (clinical 19.7/7.7, general population 4.7/4.8) c ≈ 10.5.
    """
    if sd_dysfunctional <= 0 or sd_functional <= 0:
        raise ValueError("standard deviations must be positive")
    return {
        "a": mean_dysfunctional - 2 * sd_dysfunctional,
        "b": mean_functional + 2 * sd_functional,
        "c": (sd_dysfunctional * mean_functional + sd_functional * mean_dysfunctional)
        / (sd_dysfunctional + sd_functional),
    }
