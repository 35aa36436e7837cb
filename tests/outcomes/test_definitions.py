"""The outcome definitions against hand-worked cases at every threshold."""

import math
import subprocess
import sys

import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from alliance.outcomes import (
    cohen_d_intake,
    instrument_outcomes,
    paired_d,
    summarise,
    talking_therapies_outcomes,
    wilson_interval,
)
from tests.outcomes.edge_cases import EXPECTED_ALL, EXPECTED_PHQ9, rows


def scores():
    return pl.DataFrame(rows())


def by_episode(frame):
    return {r["episode"]: r for r in frame.to_dicts()}


def test_the_package_does_not_import_django():
    code = (
        "import sys, alliance.outcomes, alliance.commands.outcomes, alliance.outcomes.effects; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_paired_definition_episode_by_episode():
    out = by_episode(talking_therapies_outcomes(scores()))
    assert out["A"]["case_at_start"] and not out["A"]["case_at_end"] and out["A"]["recovered"]
    assert not out["A"]["reliably_improved"]
    assert out["B"]["case_at_start"] and out["B"]["recovered"]
    assert not out["C"]["case_at_start"] and out["C"]["reliably_improved"]
    assert not out["C"]["recovered"]
    assert (out["D"]["first_session"], out["D"]["last_session"]) == (2, 10)
    assert out["D"]["reliably_improved"] and out["D"]["case_at_end"]
    assert not out["D"]["recovered"]
    assert out["E"]["reliably_improved"] and out["E"]["case_at_end"]
    assert not out["F"]["reliably_improved"] and not out["F"]["reliably_deteriorated"]
    assert out["G"]["reliably_deteriorated"] and out["G"]["case_at_end"]
    assert not out["H"]["counted"]
    assert out["H"]["reason"] == "no session with both PHQ-9 and GAD-7"
    assert not out["I"]["counted"]
    assert out["I"]["reason"] == "only one session with both PHQ-9 and GAD-7"
    assert out["J"]["last_session"] == 2 and out["J"]["reliably_recovered"]
    assert out["K"]["reliably_recovered"]
    assert not out["L"]["reliably_deteriorated"] and out["L"]["case_at_end"]


def test_paired_counts_and_rate_denominators():
    result = summarise(scores())
    assert {k: result[k] for k in EXPECTED_ALL} == EXPECTED_ALL
    recovery = result["rates"]["recovery"]
    assert (recovery["numerator"], recovery["denominator"]) == (4, 7)
    assert recovery["left_out"] == {
        "no session with both PHQ-9 and GAD-7": 1,
        "only one session with both PHQ-9 and GAD-7": 1,
        "not a case at the start": 3,
    }
    improvement = result["rates"]["reliable_improvement"]
    assert (improvement["numerator"], improvement["denominator"]) == (5, 10)
    assert sum(improvement["left_out"].values()) == 2
    low, high = proportion_confint(4, 7, method="wilson")
    assert recovery["low"] == pytest.approx(low) and recovery["high"] == pytest.approx(high)


def test_phq9_on_its_own_uses_its_cutoff_and_threshold():
    per = by_episode(instrument_outcomes(scores(), "phq9"))
    assert per["J"]["last_session"] == 3 and per["J"]["improvement"] == 9
    assert per["H"]["counted"] and per["H"]["recovered"]
    result = summarise(scores())
    phq = next(i for i in result["instruments"] if i["instrument"] == "phq9")
    assert {k: phq[k] for k in EXPECTED_PHQ9} == EXPECTED_PHQ9


def test_measures_on_different_sessions_count_per_instrument_but_not_paired():
    frame = pl.DataFrame(
        {
            "episode": ["x"] * 4,
            "session": [1, 2, 3, 4],
            "instrument": ["phq9", "gad7", "phq9", "gad7"],
            "score": [15, 12, 5, 3],
        }
    )
    result = summarise(frame)
    assert result["counted"] == 0 and result["rates"]["recovery"]["rate"] is None
    gad = next(i for i in result["instruments"] if i["instrument"] == "gad7")
    assert gad["counted"] == 1 and gad["reliably_recovered"] == 1


def test_an_instrument_where_higher_is_better_improves_upwards():
    frame = pl.DataFrame(
        {"episode": ["x", "x"], "session": [1, 2], "instrument": ["who5"] * 2, "score": [40, 60]}
    )
    row = instrument_outcomes(frame, "who5").row(0, named=True)
    assert row["improvement"] == 20 and row["reliably_improved"] and row["recovered"]


def test_two_scores_for_the_same_session_are_refused():
    frame = pl.DataFrame(
        {"episode": ["x", "x"], "session": [1, 1], "instrument": ["phq9"] * 2, "score": [4, 5]}
    )
    with pytest.raises(ValueError, match="two phq9 scores at session 1"):
        summarise(frame)


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (57, 123)])
def test_wilson_matches_statsmodels(k, n):
    assert wilson_interval(k, n) == pytest.approx(proportion_confint(k, n, method="wilson"))


def test_cohen_d_with_the_intake_sd_by_hand():
    # M_start 20, M_end 10, SD_start 10 -> d = 1; r = 1 -> Var = d²/2n = 1/6.
    es = cohen_d_intake([10, 20, 30], [5, 10, 15])
    assert es.d == pytest.approx(1.0)
    half = 1.959963984540054 * math.sqrt(1 / 6)
    assert (es.low, es.high) == pytest.approx((1 - half, 1 + half))
    assert cohen_d_intake([40, 50, 60], [50, 60, 70], higher_is_better=True).d == 1.0


def test_paired_d_and_its_noncentral_t_interval():
    # changes 5, 10, 15: mean 10, SD 5 -> d_z = 2; t = 2·√3 on 2 df.
    es = paired_d([10, 20, 30], [5, 10, 15])
    assert es.d == pytest.approx(2.0)
    t = 2 * math.sqrt(3)
    assert stats.nct.cdf(t, 2, es.low * math.sqrt(3)) == pytest.approx(0.975)
    assert stats.nct.cdf(t, 2, es.high * math.sqrt(3)) == pytest.approx(0.025)
    assert es.low < 2 < es.high
