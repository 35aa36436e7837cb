"""Reliability against psych 2.2.9 and CFA / invariance against lavaan (reference/)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.research.psychometrics import (
    compare_alliance_structures,
    cronbach_alpha,
    item_total,
    mcdonald_omega,
    measurement_invariance,
    reliability_table,
)

from .conftest import REFERENCE, read_reference

GOAL = ["goal1", "goal2", "goal3", "goal4"]
TASK = ["task1", "task2", "task3", "task4"]
BOND = ["bond1", "bond2", "bond3", "bond4"]


@pytest.fixture(scope="module")
def items():
    return pd.read_csv(REFERENCE / "cfa_items.csv")


@pytest.fixture(scope="module")
def psych():
    return read_reference("reliability_goal.csv").set_index("measure")["value"]


def test_alpha_matches_psych(items, psych):
    a = cronbach_alpha(items, GOAL)
    assert a.alpha == pytest.approx(psych["raw_alpha"], abs=1e-10)
    assert a.std_alpha == pytest.approx(psych["std_alpha"], abs=1e-10)
    assert a.average_r == pytest.approx(psych["average_r"], abs=1e-10)
    assert a.ci_low == pytest.approx(psych["alpha_feldt_lower"], abs=1e-8)
    assert a.ci_high == pytest.approx(psych["alpha_feldt_upper"], abs=1e-8)
    assert (a.n, a.k) == (400, 4)


def test_alpha_hand_worked():
    # three items, four people: item variances 1, 1, 1 (ddof 1: 1.667 each), total var
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "c": [4, 3, 2, 1]})
    # total = a + b + c = [6, 7, 8, 9]: var 1.667; items 1.667 each -> 1.5 * (1 - 3) = -3
    assert cronbach_alpha(data).alpha == pytest.approx(-3.0)


def test_item_total_matches_psych(items, psych):
    table = item_total(items, GOAL).set_index("item")
    for item in GOAL:
        assert table.loc[item, "r_drop"] == pytest.approx(psych[f"r_drop_{item}"], abs=1e-10)
        assert table.loc[item, "alpha_if_dropped"] == pytest.approx(
            psych[f"alpha_if_dropped_{item}"], abs=1e-10
        )
    assert list(table.reset_index().columns) == [
        "item",
        "mean",
        "sd",
        "r_total",
        "r_drop",
        "alpha_if_dropped",
    ]


def test_omega_matches_lavaan_one_factor(items, psych):
    om = mcdonald_omega(items, GOAL)
    assert om.omega_total == pytest.approx(psych["omega_total_cfa"], abs=1e-6)
    # psych::omega uses a minres factor analysis: close, not equal
    assert om.omega_total == pytest.approx(psych["omega_total_psych"], abs=5e-3)
    assert (om.loadings > 0.5).all()


def test_reliability_table(items):
    table = reliability_table(items, {"goal": GOAL, "task": TASK, "bond": BOND})
    assert list(table["scale"]) == ["goal", "task", "bond"]
    assert (table["alpha_ci_low"] < table["alpha"]).all()
    assert (table["alpha"] < table["alpha_ci_high"]).all()
    assert table["omega_total"].between(0.6, 0.95).all()


def test_three_vs_one_factor_matches_lavaan(items):
    table, fits = compare_alliance_structures(items, GOAL, TASK, BOND)
    for name, ref_name in (("three_factor", "cfa3"), ("one_factor", "cfa1")):
        ref = read_reference(f"{ref_name}_fit.csv").set_index("measure")["value"]
        row = table.set_index("model").loc[name]
        for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic"):
            assert row[k] == pytest.approx(ref[k], abs=1e-3), (name, k)
    one = table.set_index("model").loc["one_factor"]
    assert one["delta_df"] == 3
    assert one["delta_pvalue"] < 1e-6  # the data were simulated with three factors


def test_measurement_invariance_matches_lavaan():
    data = pd.read_csv(REFERENCE / "invariance.csv")
    early = [f"bond{i}_early" for i in range(1, 5)]
    late = [f"bond{i}_late" for i in range(1, 5)]
    table, fits = measurement_invariance(data, early, late)
    assert list(table["model"]) == ["configural", "metric", "scalar"]
    for name in ("configural", "metric", "scalar"):
        ref = read_reference(f"invariance_{name}_fit.csv").set_index("measure")["value"]
        row = table.set_index("model").loc[name]
        for k in ("chisq", "df", "cfi", "rmsea", "srmr", "bic"):
            assert row[k] == pytest.approx(ref[k], abs=1e-3), (name, k)
    assert np.isnan(table["delta_chisq"].iloc[0])
    assert list(table["delta_df"].iloc[1:]) == [3, 3]


def test_too_few_items_refused(items):
    with pytest.raises(ValueError):
        cronbach_alpha(items, ["goal1"])
    with pytest.raises(KeyError):
        cronbach_alpha(items, ["goal1", "nope"])


def test_reliability_from_long_data_set():
    from alliance.research.datasets import build_datasets
    from alliance.research.psychometrics import reliability_from_long
    from alliance.research.simulate import WAI_SUBSCALES, simulate_tidy

    long = build_datasets(simulate_tidy(60, seed=2), "k" * 32).long
    keys = {k: [str(i) for i in v] for k, v in WAI_SUBSCALES.items()}
    table = reliability_from_long(long, "wai-sr", keys)
    assert list(table["scale"]) == list(keys)
    assert (table["n"] == long["episode_id"].nunique()).all()
    with pytest.raises(ValueError):
        reliability_from_long(long, "nope", keys)
