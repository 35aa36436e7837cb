"""WLSMV with ordered indicators against lavaan 0.6-14.

Holzinger-Swineford's nine tests cut at their quartiles into four ordered categories, the
three-factor CFA fitted with ``ordered = TRUE, estimator = "WLSMV"``
(``reference/make_reference_issue18.R``). Tolerances (issue 18): 1e-4 for estimates
(thresholds, loadings, factor (co)variances, the derived residual variances), 1e-3 for
robust standard errors and the fit measures, including the scaled-and-shifted test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.research.sem import fit_sem
from alliance.research.sem.ordinal import bivariate_cdf

from .conftest import REFERENCE, read_reference

HS = (REFERENCE / "hs.lav").read_text()
DATA = pd.read_csv(REFERENCE / "hs_ordinal.csv")
ITEMS = [f"x{i}" for i in range(1, 10)]
MEASURES = [
    "npar",
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "chisq.scaled",
    "pvalue.scaled",
    "chisq.scaling.factor",
]


def test_wlsmv_matches_lavaan():
    fit = fit_sem(HS, DATA, ordered=ITEMS)
    assert fit.converged
    assert fit.options["estimator"] == "WLSMV"
    ref = read_reference("hs_wlsmv_estimates.csv")
    merged = ref.merge(fit.estimates, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["est_y"], merged["est_x"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(merged["se_y"], merged["se_x"], rtol=0, atol=1e-3)
    fit_ref = read_reference("hs_wlsmv_fit.csv").set_index("measure")["value"]
    for measure in MEASURES:
        assert fit.fit[measure] == pytest.approx(fit_ref[measure], abs=1e-3), measure
    thresholds = fit.estimates[fit.estimates["op"] == "|"]
    assert list(thresholds["rhs"][:3]) == ["t1", "t2", "t3"]
    assert len(thresholds) == 27


def test_ordered_true_means_every_variable_and_cli_style_string():
    a = fit_sem(HS, DATA, ordered=True)
    b = fit_sem(HS, DATA, ordered=",".join(ITEMS), estimator="wlsmv")
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"])


def test_bivariate_normal_cdf():
    from scipy import stats

    h = np.array([-1.2, 0.3, 2.0, -40.0, 40.0])
    k = np.array([0.4, -0.7, 1.1, 0.5, 0.2])
    for rho in (-0.9, -0.3, 0.0, 0.5, 0.95):
        mvn = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
        expected = [mvn.cdf([a, b]) for a, b in zip(h, k, strict=True)]
        np.testing.assert_allclose(bivariate_cdf(h, k, rho), expected, atol=1e-7)


def test_ordinal_errors_are_clear():
    grouped = DATA.copy()
    grouped.loc[(grouped["school"] == "Pasteur") & (grouped["x1"] == 4), "x1"] = 3
    with pytest.raises(ValueError, match="'x1' has no case in category 4 in group 'Pasteur'"):
        fit_sem(HS, grouped, ordered=ITEMS, group="school")
    with pytest.raises(ValueError, match="ordered"):
        fit_sem(HS, DATA, estimator="WLSMV")
    with pytest.raises(ValueError, match="every observed variable ordered"):
        fit_sem(HS, DATA, ordered=["x1", "x2"])
    constant = DATA.assign(x1=1)
    with pytest.raises(ValueError, match="fewer than two categories"):
        fit_sem(HS, constant, ordered=ITEMS)


def test_wlsmv_bootstrap_and_defined_quantities():
    model = HS + "ratio := v3 / v2\nvisual =~ v2*x2 + v3*x3\n"
    model = model.replace("visual  =~ x1 + x2 + x3", "visual =~ x1")
    fit = fit_sem(model, DATA, ordered=True, bootstrap=30, seed=5)
    assert fit.options["bootstrap_successful"] >= 25
    est = fit.estimates.set_index(["lhs", "op", "rhs"])
    ref = read_reference("hs_wlsmv_estimates.csv").set_index(["lhs", "op", "rhs"])
    assert est.loc[("visual", "=~", "x3"), "est"] == pytest.approx(
        ref.loc[("visual", "=~", "x3"), "est"], abs=1e-4
    )
    ratio = est.loc[("ratio", ":=", "v3/v2")]
    assert ratio["est"] == pytest.approx(
        ref.loc[("visual", "=~", "x3"), "est"] / ref.loc[("visual", "=~", "x2"), "est"], abs=1e-4
    )
    assert ratio["ci.lower"] < ratio["est"] < ratio["ci.upper"]
    t1 = est.loc[("x1", "|", "t1")]
    assert t1["ci.lower"] < t1["est"] < t1["ci.upper"]
