"""Practitioner effects and the alliance–outcome split against lme4 (reference/ holds the
data, the R script that fitted them and its output)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alliance.outcomes.effects import CAVEATS, alliance_outcome_split, practitioner_effects

REF = Path(__file__).with_name("reference")


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(REF / "effects_data.csv")


@pytest.fixture(scope="module")
def lme4():
    return json.loads((REF / "lme4_output.json").read_text())


def test_practitioner_effects_match_lme4(data, lme4):
    ref = lme4["effects"]
    fit = practitioner_effects(data, outcome="end", intake="start", covariates=["age"])
    fixed = fit.model.fixed.set_index("term")
    for term, expected in ref["fixed"].items():
        assert fixed.loc[term, "est"] == pytest.approx(expected["est"], abs=1e-5)
        assert fixed.loc[term, "se"] == pytest.approx(expected["se"], abs=1e-5)
    assert fit.model.random["var_intercept"] == pytest.approx(ref["var_intercept"], rel=1e-4)
    assert fit.model.random["var_residual"] == pytest.approx(ref["var_residual"], rel=1e-5)
    assert fit.model.criterion == pytest.approx(ref["reml"], abs=1e-4)
    effects = fit.effects.set_index("practitioner")
    for name, blup in ref["blup"].items():
        assert effects.loc[name, "effect"] == pytest.approx(blup, abs=1e-4)
        assert effects.loc[name, "se"] ** 2 == pytest.approx(ref["postvar"][name], rel=1e-4)
    row = effects.loc["p00"]
    assert row["low"] < row["effect"] < row["high"]
    assert effects["episodes"].sum() == len(data)
    assert 0 < fit.icc < 1
    assert any("Small caseloads" in c for c in CAVEATS)
    assert any("Regression to the mean" in c for c in CAVEATS)


def test_alliance_split_matches_lme4(data, lme4):
    split = alliance_outcome_split(data, outcome="end", alliance="alliance", intake="start")
    fixed = split.model.fixed.set_index("term")
    for term, expected in lme4["split"].items():
        assert fixed.loc[term, "est"] == pytest.approx(expected["est"], abs=1e-5)
        assert fixed.loc[term, "se"] == pytest.approx(expected["se"], abs=1e-5)
    assert split.within["est"] == pytest.approx(lme4["split"]["alliance_within"]["est"], abs=1e-5)
    assert split.between["est"] == pytest.approx(lme4["split"]["alliance_between"]["est"], abs=1e-5)
    # between − within is the contrast model's slope on the practitioner mean
    contrast = lme4["contrast"]["alliance_between"]
    assert split.difference["est"] == pytest.approx(contrast["est"], abs=1e-5)
    assert split.difference["se"] == pytest.approx(contrast["se"], abs=1e-5)
    assert split.difference["est"] == pytest.approx(
        split.between["est"] - split.within["est"], abs=1e-6
    )


def test_rows_with_a_missing_value_are_counted_as_left_out(data):
    holed = data.copy()
    holed.loc[:4, "alliance"] = None
    split = alliance_outcome_split(holed)
    assert split.left_out == {"a value needed by the model is missing": 5}
    assert split.model.n_obs == len(data) - 5
