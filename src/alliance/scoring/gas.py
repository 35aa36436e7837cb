"""Goal Attainment Scaling T-score (Kiresuk & Sherman 1968)."""

from __future__ import annotations

import math
from collections.abc import Sequence

GAS_LEVELS = (-2, -1, 0, 1, 2)


class GasError(ValueError):
    """Invalid goal attainment input."""


def gas_t_score(
    attainments: Sequence[float], weights: Sequence[float] | None = None, rho: float = 0.3
) -> float:
    """Return the GAS T-score of a set of goals.

    Parameters
    ----------
    attainments : sequence of int
        Attainment level of each goal, −2 (much less than expected) … 0 (expected) …
        +2 (much more than expected).
    weights : sequence of float, optional
        Positive importance weight of each goal; equal weights when omitted.
    rho : float, default 0.3
        Assumed correlation between goal scores (0.3 by convention), 0 ≤ ρ < 1.

    Returns
    -------
    float
        T = 50 + 10·Σ(wᵢxᵢ) / √[(1 − ρ)·Σwᵢ² + ρ·(Σwᵢ)²]

        T = 50 when every goal is met exactly as expected; mean 50, SD 10.

    References
    ----------
    Kiresuk TJ, Sherman RE. Goal attainment scaling: a general method for evaluating
    comprehensive community mental health programs. Community Ment Health J.
    1968;4(6):443-453.

    Examples
    --------
    >>> gas_t_score([1])
    60.0
    >>> round(gas_t_score([2, -1, 0], weights=[3, 2, 1]), 2)
    58.81
    """
    xs = list(attainments)
    if not xs:
        raise GasError("at least one goal attainment is needed")
    for n, x in enumerate(xs):
        if isinstance(x, bool) or x not in GAS_LEVELS:
            raise GasError(f"goal {n + 1}: attainment {x!r} is not one of -2, -1, 0, 1, 2")
    ws = [1.0] * len(xs) if weights is None else list(weights)
    if len(ws) != len(xs):
        raise GasError(f"{len(ws)} weights for {len(xs)} goals")
    for n, w in enumerate(ws):
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or w <= 0:
            raise GasError(f"goal {n + 1}: weight {w!r} must be a positive number")
    if not (isinstance(rho, int | float) and 0 <= rho < 1):
        raise GasError(f"rho {rho!r} must be in [0, 1)")
    num = sum(w * x for w, x in zip(ws, xs, strict=True))
    den = math.sqrt((1 - rho) * sum(w * w for w in ws) + rho * sum(ws) ** 2)
    return 50.0 + 10.0 * num / den
