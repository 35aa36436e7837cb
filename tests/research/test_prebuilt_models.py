"""The seed's prebuilt models in their issue-18 variants, against lavaan 0.6-14.

(a) alliance -> flourishing (five latent variables) and (b) alliance -> psychological
wellbeing (eleven latent variables) on five-point Likert answers, fitted as ordered
categories by WLSMV; measurement invariance of the alliance items across two services,
each level one multiple-group model (``reference/make_reference_issue18.R``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from alliance.research.prebuilt import (
    fit_alliance_flourishing,
    fit_alliance_wellbeing,
    fit_measurement_invariance,
)

from .conftest import REFERENCE, assert_matches_lavaan

ITEMS = {
    "goal": [f"goal{i}" for i in range(1, 5)],
    "task": [f"task{i}" for i in range(1, 5)],
    "bond": [f"bond{i}" for i in range(1, 5)],
}
FS = [f"fs{i}" for i in range(1, 9)]
RYFF = {
    d: [f"{d}{i}" for i in range(1, 4)]
    for d in ("autonomy", "mastery", "growth", "relations", "purpose", "acceptance")
}
MEASURES = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr"]


def _check(fit, name, keys=("lhs", "op", "rhs"), extra=()):
    assert_matches_lavaan(fit, name, [*MEASURES, *extra], keys=keys)


def test_ordinal_prebuilt_models_match_lavaan():
    data = pd.read_csv(REFERENCE / "prebuilt_ordinal.csv")
    scaled = ("chisq.scaled", "chisq.scaling.factor")
    a = fit_alliance_flourishing(data, *ITEMS.values(), FS, ordinal=True)
    assert a.options["estimator"] == "WLSMV"
    _check(a, "prebuilt_a_ordinal", extra=scaled)
    b = fit_alliance_wellbeing(data, *ITEMS.values(), RYFF, ordinal=True)
    assert b.estimates.query("op == '=~'")["lhs"].nunique() == 11
    _check(b, "prebuilt_b_ordinal", extra=scaled)


def test_measurement_invariance_in_multiple_group_models_matches_lavaan():
    data = pd.read_csv(REFERENCE / "prebuilt_services.csv")
    fits, table = fit_measurement_invariance(data, ITEMS, "service")
    for level, fit in fits.items():
        _check(fit, f"prebuilt_invariance_{level}", keys=("lhs", "op", "rhs", "group"))
    assert list(table["level"]) == ["configural", "metric", "scalar"]
    assert table.loc[1, "delta_df"] == 9  # nine loadings made equal
    assert table.loc[2, "delta_df"] == 9  # twelve intercepts equal, three latent means free
    assert 0 <= table.loc[2, "pvalue"] <= 1
    with pytest.raises(ValueError, match="unknown level 'partial'"):
        fit_measurement_invariance(data, ITEMS, "service", levels=["partial"])


def test_ordinal_measurement_invariance_matches_lavaan():
    items = [c for group in ITEMS.values() for c in group]
    data = pd.read_csv(REFERENCE / "prebuilt_ordinal.csv")[items]
    data.insert(0, "service", pd.read_csv(REFERENCE / "prebuilt_services.csv")["service"])
    fits, table = fit_measurement_invariance(data, ITEMS, "service", ordinal=True)
    scaled = ("chisq.scaled", "chisq.scaling.factor")
    for level, fit in fits.items():
        assert fit.options["estimator"] == "WLSMV"
        _check(
            fit,
            f"prebuilt_invariance_ordinal_{level}",
            keys=("lhs", "op", "rhs", "group"),
            extra=scaled,
        )
    assert list(table["level"]) == ["configural", "thresholds", "loadings"]
    assert table["pvalue"].iloc[1:].isna().all()  # a WLSMV difference needs DIFFTEST
    with pytest.raises(ValueError, match="unknown level 'scalar'; use configural, thresholds"):
        fit_measurement_invariance(data, ITEMS, "service", ordinal=True, levels=["scalar"])
