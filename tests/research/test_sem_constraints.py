"""Equality constraints: shared labels and ``==``, against lavaan 0.6-14.

PoliticalDemocracy with the loadings of y2-y4 equal to those of y6-y8, written once with
shared labels (``a*y2`` and ``a*y6``) and once with ``a1 == a2``
(``reference/make_reference_issue18.R``). lavaan's constrained optimiser stops about 1e-4
short of the optimum on the ``==`` version (its chi-square is 4e-8 above the minimum), so
its estimates are compared to 2e-4 and its shared-label fit, the same model, to 1e-4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.research.sem import ModelSyntaxError, fit_sem

from .conftest import REFERENCE, read_reference

DATA = pd.read_csv(REFERENCE / "PoliticalDemocracy.csv")
MEASURES = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"]


def _merge(fit, name):
    ref = read_reference(f"{name}_estimates.csv")
    merged = ref.merge(fit.estimates, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    return merged


@pytest.mark.parametrize(("name", "atol"), [("pd_labels", 1e-4), ("pd_equal", 2e-4)])
def test_equality_constraints_match_lavaan(name, atol):
    fit = fit_sem((REFERENCE / f"{name}.lav").read_text(), DATA)
    assert fit.converged
    for ref_name, tol in (("pd_labels", 1e-4), (name, atol)):
        merged = _merge(fit, ref_name)
        np.testing.assert_allclose(merged["est_y"], merged["est_x"], rtol=0, atol=tol)
        np.testing.assert_allclose(merged["se_y"], merged["se_x"], rtol=0, atol=1e-3)
    fit_ref = read_reference(f"{name}_fit.csv").set_index("measure")["value"]
    for measure in MEASURES:
        assert fit.fit[measure] == pytest.approx(fit_ref[measure], abs=1e-3), measure
    est = fit.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert est[("dem60", "=~", "y2")] == est[("dem65", "=~", "y6")]
    assert fit.fit["df"] == 38  # three more than the unconstrained model


def test_constraint_to_a_number_fixes_the_parameter():
    model = (REFERENCE / "pd_equal.lav").read_text() + "\na1 == 1.25\n"
    fit = fit_sem(model, DATA)
    est = fit.estimates.set_index(["lhs", "op", "rhs"])
    assert est.loc[("dem60", "=~", "y2"), "est"] == 1.25
    assert est.loc[("dem65", "=~", "y6"), "est"] == 1.25
    assert not est.loc[("dem65", "=~", "y6"), "free"]
    assert fit.fit["df"] == 39


def test_constraint_naming_an_unknown_label_is_refused():
    model = (REFERENCE / "pd_equal.lav").read_text() + "\na1 == d9\n"
    with pytest.raises(ModelSyntaxError, match="unknown label 'd9'"):
        fit_sem(model, DATA)


def test_constraint_must_compare_labels():
    with pytest.raises(ModelSyntaxError, match="equality constraint"):
        fit_sem("f =~ x1 + a*x2 + b*x3\na + b == 1", DATA)
