"""MLR (Huber-White SEs, Yuan-Bentler scaled test) against lavaan 0.6-14.

Reference: ``reference/make_reference_issue18.R`` (Holzinger-Swineford 1939, three-factor
CFA; complete data, and with 10% of x2, x5 and x8 deleted for FIML). Tolerances (issue 18):
1e-4 for estimates, 1e-3 for standard errors and fit measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.research.sem import fit_sem

from .conftest import REFERENCE, read_reference

HS = (REFERENCE / "hs.lav").read_text()
MEASURES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"]
SCALED = ["chisq.scaled", "pvalue.scaled", "chisq.scaling.factor"]


def _check(fit, name: str, measures: list[str]) -> None:
    ref = read_reference(f"{name}_estimates.csv")
    merged = ref.merge(fit.estimates, on=["lhs", "op", "rhs"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["est_y"], merged["est_x"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(merged["se_y"], merged["se_x"], rtol=0, atol=1e-3)
    fit_ref = read_reference(f"{name}_fit.csv").set_index("measure")["value"]
    for measure in measures:
        assert fit.fit[measure] == pytest.approx(fit_ref[measure], abs=1e-3), measure


def test_mlr_complete_data_matches_lavaan():
    fit = fit_sem(HS, pd.read_csv(REFERENCE / "hs.csv"), estimator="MLR")
    assert fit.options["estimator"] == "MLR"
    _check(fit, "hs_mlr", MEASURES + SCALED + ["cfi.scaled", "tli.scaled", "rmsea.scaled"])
    # the robust SEs differ from the ML ones: the test would notice a plain ML fit
    ml = fit_sem(HS, pd.read_csv(REFERENCE / "hs.csv"))
    assert np.abs(ml.estimates["se"] - fit.estimates["se"]).max() > 0.01


def test_mlr_with_fiml_matches_lavaan():
    data = pd.read_csv(REFERENCE / "hs_missing.csv")
    fit = fit_sem(HS, data, estimator="MLR", missing="ml")
    _check(fit, "hs_mlr_fiml", MEASURES + SCALED)


def test_mlr_refuses_unknown_estimator():
    with pytest.raises(ValueError, match="estimator"):
        fit_sem(HS, pd.read_csv(REFERENCE / "hs.csv"), estimator="GLS")
