"""Multiple-group models (``group``, ``group_equal``) against lavaan 0.6-14.

Holzinger-Swineford 1939 by school (Pasteur, Grant-White): configural, equal loadings,
equal loadings and intercepts (ML and MLR), from ``reference/make_reference_issue18.R``.
Tolerances (issue 18): 1e-4 for estimates, 1e-3 for standard errors and fit measures.
"""

from __future__ import annotations

import pandas as pd
import pytest

from alliance.research.sem import fit_sem

from .conftest import REFERENCE, assert_matches_lavaan

HS = (REFERENCE / "hs.lav").read_text()
DATA = pd.read_csv(REFERENCE / "hs.csv")
MEASURES = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"]
CASES = {
    "hs_group_configural": {},
    "hs_group_loadings": {"group_equal": "loadings"},
    "hs_group_intercepts": {"group_equal": ["loadings", "intercepts"]},
    "hs_group_intercepts_mlr": {"group_equal": "loadings,intercepts", "estimator": "MLR"},
}


@pytest.mark.parametrize("name", list(CASES))
def test_multiple_groups_match_lavaan(name):
    fit = fit_sem(HS, DATA, group="school", **CASES[name])
    assert fit.converged
    extra = ["chisq.scaled", "pvalue.scaled", "chisq.scaling.factor"] if "mlr" in name else []
    assert_matches_lavaan(fit, name, MEASURES + extra, keys=("lhs", "op", "rhs", "group"))
    assert fit.options["group_labels"] == ["Pasteur", "Grant-White"]


def test_equal_loadings_are_equal_and_latent_means_free_after_the_first_group():
    fit = fit_sem(HS, DATA, group="school", group_equal="loadings,intercepts")
    est = fit.estimates.set_index(["lhs", "op", "rhs", "group"])
    for item in ("x2", "x3"):
        a = est.loc[("visual", "=~", item, "Pasteur"), "est"]
        assert a == est.loc[("visual", "=~", item, "Grant-White"), "est"]
    assert not est.loc[("visual", "~1", "", "Pasteur"), "free"]
    assert est.loc[("visual", "~1", "", "Grant-White"), "free"]
    payload = fit.to_dict()
    assert {p["group"] for p in payload["parameters"]} == {"Pasteur", "Grant-White"}


def test_group_errors_are_clear():
    with pytest.raises(ValueError, match="group 'tiny' of 'school' has 3 usable cases"):
        small = DATA.copy()
        small.loc[:2, "school"] = "tiny"
        fit_sem(HS, small, group="school")
    with pytest.raises(KeyError, match="group variable not in the data: clinic"):
        fit_sem(HS, DATA, group="clinic")
    with pytest.raises(ValueError, match="unknown group_equal loading"):
        fit_sem(HS, DATA, group="school", group_equal="loading")
    with pytest.raises(ValueError, match="needs a group variable"):
        fit_sem(HS, DATA, group_equal="loadings")
