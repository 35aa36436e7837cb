"""Bootstrap percentile intervals against lavaan 0.6-14 (``se = "bootstrap"``, 2,000 draws).

The mediation model's estimates must equal lavaan's (1e-4); the interval ends and the
bootstrap standard errors must agree within Monte-Carlo error: with B draws on our side
and 2,000 on lavaan's, a 2.5% quantile of a roughly normal statistic with bootstrap SD s
has a Monte-Carlo SD near 2.7 s sqrt(1/B + 1/2000); we allow four of those.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alliance.research.sem import fit_sem

from .conftest import REFERENCE, read_reference

B = 500


def _fit(seed=7, n=B):
    model = (REFERENCE / "mediation.lav").read_text()
    return fit_sem(model, pd.read_csv(REFERENCE / "mediation.csv"), bootstrap=n, seed=seed)


def test_bootstrap_intervals_match_lavaan_within_monte_carlo_error():
    fit = _fit()
    assert fit.options["bootstrap_successful"] == B
    ref = read_reference("mediation_bootstrap_estimates.csv")
    merged = ref.merge(fit.estimates, on=["lhs", "op", "rhs"], how="left", suffixes=("_r", ""))
    assert merged["est"].notna().all()
    np.testing.assert_allclose(merged["est"], merged["est_r"], rtol=0, atol=1e-4)
    mc = 4 * 2.7 * merged["se_r"] * math.sqrt(1 / B + 1 / 2000)
    for end in ("ci.lower", "ci.upper"):
        gap = (merged[end] - merged[f"{end}_r"]).abs()
        assert (gap <= mc + 1e-12).all(), merged[["lhs", "op", "rhs", end, f"{end}_r"]]
    free = merged["se_r"] > 0
    ratio = merged.loc[free, "boot.se"] / merged.loc[free, "se_r"]
    assert ratio.between(0.85, 1.15).all(), ratio
    # every defined quantity has its interval, around its estimate
    defined = fit.defined_parameters()
    assert list(defined["lhs"]) == ["ab", "total", "proportion"]
    assert (defined["ci.lower"] < defined["est"]).all()
    assert (defined["est"] < defined["ci.upper"]).all()


def test_bootstrap_is_reproducible_with_a_seed():
    a = _fit(seed=11, n=40).estimates
    b = _fit(seed=11, n=40).estimates
    c = _fit(seed=12, n=40).estimates
    np.testing.assert_array_equal(a["ci.lower"], b["ci.lower"])
    assert not np.array_equal(a["ci.lower"], c["ci.lower"])
