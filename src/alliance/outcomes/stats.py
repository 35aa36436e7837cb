"""Rates with Wilson intervals and pre–post effect sizes with confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, stats

__all__ = ["Rate", "EffectSize", "wilson_interval", "rate", "cohen_d_intake", "paired_d"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    """A proportion ``numerator / denominator`` with its Wilson interval.

    ``left_out`` maps a reason to the number of episodes not in the denominator for it.
    ``rate``, ``low`` and ``high`` are None when the denominator is 0.
    """

    numerator: int
    denominator: int
    rate: float | None
    low: float | None
    high: float | None
    left_out: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EffectSize:
    """A standardised pre–post difference with its interval (positive = improvement)."""

    kind: str
    d: float | None
    low: float | None
    high: float | None
    n: int
    mean_start: float | None
    mean_end: float | None
    sd: float | None
    method: str
    left_out: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(k: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval of the proportion ``k / n``.

    With p = k/n,

        centre = (p + z²/2n) / (1 + z²/n)
        half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)

    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage for small n
    and for rates near 0 or 1.

    References: Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22, 209–212. Newcombe, R. G. (1998). Two-sided confidence
    intervals for the single proportion. Statistics in Medicine 17, 857–872 (method 3).
    """
    if n <= 0:
        raise ValueError("the denominator must be positive")
    if not 0 <= k <= n:
        raise ValueError("the numerator must lie between 0 and the denominator")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(k: int, n: int, left_out: dict[str, int] | None = None) -> Rate:
    """Return ``k / n`` with its 95% Wilson interval (no rate when n is 0)."""
    left = {r: int(c) for r, c in (left_out or {}).items() if c}
    if n == 0:
        return Rate(int(k), 0, None, None, None, left)
    low, high = wilson_interval(k, n)
    return Rate(int(k), int(n), k / n, low, high, left)


def cohen_d_intake(
    start: ArrayLike,
    end: ArrayLike,
    *,
    higher_is_better: bool = False,
    left_out: dict[str, int] | None = None,
) -> EffectSize:
    """Pre–post Cohen's d standardised by the intake (pre-treatment) SD.

        d = (M_start − M_end) / SD_start       (sign flipped when higher is better)

    so that a positive d is an improvement. Its 95% interval uses Becker's large-sample
    variance of the standardised mean change with the pre-test SD,

        Var(d) ≈ 2(1 − r)/n + d²/(2n),

    with r the start–end correlation: d ± 1.96·√Var(d).

    References: Becker, B. J. (1988). Synthesizing standardized mean-change measures.
    British Journal of Mathematical and Statistical Psychology 41, 257–278. Morris, S. B.
    & DeShon, R. P. (2002). Combining effect size estimates in meta-analysis with repeated
    measures and independent-groups designs. Psychological Methods 7, 105–125 (eq. 8, 13).
    """
    x, y = np.asarray(start, float), np.asarray(end, float)
    n = len(x)
    left = dict(left_out or {})
    if n < 2:
        return EffectSize(
            "cohen_d_intake", None, None, None, n, None, None, None, "needs two counted episodes", left
        )  # fmt: skip
    sd = float(np.std(x, ddof=1))
    diff = (x.mean() - y.mean()) * (-1 if higher_is_better else 1)
    if sd == 0:
        return EffectSize(
            "cohen_d_intake", None, None, None, n, float(x.mean()), float(y.mean()), 0.0,
            "intake SD is 0", left,
        )  # fmt: skip
    d = float(diff / sd)
    r = float(np.corrcoef(x, y)[0, 1]) if np.std(y) > 0 else 0.0
    se = math.sqrt(max(2 * (1 - r) / n + d * d / (2 * n), 0.0))
    return EffectSize(
        "cohen_d_intake",
        d,
        d - Z95 * se,
        d + Z95 * se,
        n,
        float(x.mean()),
        float(y.mean()),
        sd,
        "Becker (1988) large-sample variance",
        left,
    )


def _nct_ci(t: float, df: int, level: float = 0.95) -> tuple[float, float]:
    """Noncentrality parameters whose noncentral t puts ``t`` at the two tail quantiles."""
    alpha = (1 - level) / 2

    def solve(target: float) -> float:
        f: Callable[[float], float] = lambda nc: stats.nct.cdf(t, df, nc) - target  # noqa: E731
        lo, hi = t - 10, t + 10
        while f(lo) < 0:
            lo -= 10
        while f(hi) > 0:
            hi += 10
        return optimize.brentq(f, lo, hi, xtol=1e-12)

    return solve(1 - alpha), solve(alpha)


def paired_d(
    start: ArrayLike,
    end: ArrayLike,
    *,
    higher_is_better: bool = False,
    left_out: dict[str, int] | None = None,
) -> EffectSize:
    """Paired (repeated-measures) d: the mean change over the SD of the changes.

        d_z = M_diff / SD_diff,   diff = start − end   (end − start when higher is better)

    Its exact 95% interval inverts the noncentral t: t = d_z·√n follows a noncentral t
    with n − 1 degrees of freedom and noncentrality δ√n; the interval's ends are the δ
    for which t sits at the 97.5th and 2.5th percentiles, divided by √n.

    References: Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences,
    2nd ed., §2.3.5. Cumming, G. & Finch, S. (2001). A primer on the understanding, use,
    and calculation of confidence intervals that are based on central and noncentral
    distributions. Educational and Psychological Measurement 61, 532–574.
    """
    x, y = np.asarray(start, float), np.asarray(end, float)
    n = len(x)
    left = dict(left_out or {})
    if n < 2:
        return EffectSize(
            "paired_d", None, None, None, n, None, None, None, "needs two counted episodes", left
        )  # fmt: skip
    diff = (x - y) * (-1 if higher_is_better else 1)
    sd = float(np.std(diff, ddof=1))
    if sd == 0:
        return EffectSize(
            "paired_d", None, None, None, n, float(x.mean()), float(y.mean()), 0.0,
            "every change is the same: SD of the changes is 0", left,
        )  # fmt: skip
    d = float(diff.mean() / sd)
    root = math.sqrt(n)
    low, high = _nct_ci(d * root, n - 1)
    return EffectSize(
        "paired_d",
        d,
        low / root,
        high / root,
        n,
        float(x.mean()),
        float(y.mean()),
        sd,
        "noncentral t (exact)",
        left,
    )
