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

from .conftest import REFERENCE, assert_matches_lavaan

HS = (REFERENCE / "hs.lav").read_text()
MEASURES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"]
SCALED = ["chisq.scaled", "pvalue.scaled", "chisq.scaling.factor"]


def test_mlr_complete_data_matches_lavaan():
    fit = fit_sem(HS, pd.read_csv(REFERENCE / "hs.csv"), estimator="MLR")
    assert fit.options["estimator"] == "MLR"
    assert_matches_lavaan(
        fit, "hs_mlr", MEASURES + SCALED + ["cfi.scaled", "tli.scaled", "rmsea.scaled"]
    )
    # the robust SEs differ from the ML ones: the test would notice a plain ML fit
    ml = fit_sem(HS, pd.read_csv(REFERENCE / "hs.csv"))
    assert np.abs(ml.estimates["se"] - fit.estimates["se"]).max() > 0.01


def test_mlr_with_fiml_matches_lavaan():
    data = pd.read_csv(REFERENCE / "hs_missing.csv")
    fit = fit_sem(HS, data, estimator="MLR", missing="ml")
    assert_matches_lavaan(fit, "hs_mlr_fiml", MEASURES + SCALED)


def test_mlr_refuses_unknown_estimator():
    with pytest.raises(ValueError, match="estimator"):
        fit_sem(HS, pd.read_csv(REFERENCE / "hs.csv"), estimator="GLS")
