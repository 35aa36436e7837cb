"""The block-structured mixed model against lme4 1.1-31 (reference/multilevel_lme4_*.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.research.multilevel import alliance_outcome_model, fit_mixed, person_mean_centre

from .conftest import REFERENCE, read_reference

FIXED = ["session", "alliance_within", "alliance_between"]


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(REFERENCE / "multilevel.csv")


@pytest.mark.parametrize("reml", [True, False], ids=["reml", "ml"])
def test_matches_lme4(data, reml):
    fit = fit_mixed(data, "outcome", FIXED, "episode", random_slope="session", reml=reml)
    ref = read_reference(f"multilevel_lme4_{'reml' if reml else 'ml'}.csv").set_index("term")
    assert fit.converged
    fixed = fit.fixed.set_index("term")
    for term in ["(Intercept)", *FIXED]:
        assert fixed.loc[term, "est"] == pytest.approx(ref.loc[term, "est"], abs=1e-3)
        assert fixed.loc[term, "se"] == pytest.approx(ref.loc[term, "se"], abs=1e-3)
    for name in ["var_intercept", "cov_intercept_session", "var_session", "var_residual"]:
        assert fit.random[name] == pytest.approx(ref.loc[name, "est"], abs=1e-3), name
    # at least as good an optimum as lme4's
    assert fit.loglik >= ref.loc["loglik", "est"] - 1e-6
    assert fit.n_groups == 150


def test_prebuilt_model_centres_and_matches(data):
    raw = data[["episode", "session", "alliance", "outcome"]].rename(
        columns={"episode": "episode_id", "session": "session_number"}
    )
    fit = alliance_outcome_model(raw)
    ref = read_reference("multilevel_lme4_reml.csv").set_index("term")
    fixed = fit.fixed.set_index("term")
    assert fixed.loc["alliance_within", "est"] == pytest.approx(
        ref.loc["alliance_within", "est"], abs=1e-3
    )
    assert fixed.loc["alliance_between", "est"] == pytest.approx(
        ref.loc["alliance_between", "est"], abs=1e-3
    )


def test_person_mean_centre():
    frame = pd.DataFrame({"g": [1, 1, 2, 2, 2], "x": [1.0, 3.0, 2.0, 2.0, np.nan]})
    out = person_mean_centre(frame, "x", "g")
    assert list(out["x_between"]) == [2.0, 2.0, 2.0, 2.0, 2.0]
    assert list(out["x_within"][:4]) == [-1.0, 1.0, 0.0, 0.0]


def test_random_intercept_only_and_errors(data):
    fit = fit_mixed(data, "outcome", ["session"], "episode")
    assert set(fit.random) == {"var_intercept", "var_residual"}
    assert len(fit.theta) == 1
    with pytest.raises(KeyError):
        fit_mixed(data, "outcome", ["nope"], "episode")
