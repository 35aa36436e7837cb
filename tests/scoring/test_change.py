"""Reliable change (Jacobson & Truax 1991) with worked numbers."""

import math

import pytest

from alliance.instruments import instrument_from_dict
from alliance.scoring import jacobson_truax_cutoffs, reliable_change, score_response

from ..instruments.toy import toy_definition


@pytest.mark.parametrize(
    ("before", "after", "reliable", "category"),
    [
        (18, 12, True, "improved"),  # -6: reliable (>= 6), still >= 10
        (18, 9, True, "recovered"),  # reliable and crossed below 10
        (12, 6, True, "recovered"),
        (8, 2, True, "improved"),  # not a case before, so not "recovered"
        (18, 13, False, "unchanged"),  # -5 < 6
        (8, 14, True, "deteriorated"),
        (14, 19, False, "unchanged"),
        (10, 10, False, "unchanged"),
    ],
)
def test_phq9_fixed_threshold(before, after, reliable, category):
    rc = reliable_change(before, after, "phq9")
    assert (rc.reliable, rc.category, rc.threshold, rc.method) == (reliable, category, 6, "fixed")
    assert rc.improvement == before - after  # higher is worse


def test_gad7_threshold_and_caseness():
    assert reliable_change(12, 7, "gad7").category == "recovered"  # -5, below 8
    assert reliable_change(12, 8, "gad7").category == "improved"  # -4, still a case
    assert reliable_change(12, 9, "gad7").category == "unchanged"


@pytest.mark.parametrize(
    ("before", "after", "category"),
    [(40, 52, "recovered"), (20, 36, "improved"), (60, 48, "deteriorated"), (40, 48, "unchanged")],
)
def test_who5_is_direction_aware(before, after, category):
    rc = reliable_change(before, after, "who5")
    assert rc.category == category
    assert rc.improvement == after - before


def test_jacobson_truax_worked_numbers():
    # Reference §B1, CORE-10: SD 7.7, alpha .90 -> S_diff = 7.7 * sqrt(0.2) = 3.44, RC = 6.75
    toy = instrument_from_dict(toy_definition())
    crit = toy.reliable_change
    assert crit.s_diff == pytest.approx(7.7 * math.sqrt(0.2))
    assert crit.s_diff == pytest.approx(3.4435, abs=1e-4)
    assert toy.reliable_change_threshold() == pytest.approx(6.749, abs=1e-3)
    rc = reliable_change(18, 11, toy)  # change -7: RC = -7 / 3.4435 = -2.033
    assert rc.rci == pytest.approx(-2.0328, abs=1e-4) and rc.reliable
    assert rc.category == "improved"  # 11 is still >= 10
    assert reliable_change(16, 9, toy).category == "recovered"
    near = reliable_change(17, 10.3, toy)  # -6.7 -> RC = -1.9457, not reliable
    assert near.rci == pytest.approx(-1.9457, abs=1e-4) and not near.reliable
    assert near.category == "unchanged"
    assert reliable_change(5, 12, toy).category == "deteriorated"


def test_cutoffs_core10_example():
    cut = jacobson_truax_cutoffs(19.7, 7.7, 4.7, 4.8)
    assert cut["c"] == pytest.approx((7.7 * 4.7 + 4.8 * 19.7) / 12.5)
    assert round(cut["c"], 1) == 10.5
    assert cut["a"] == pytest.approx(4.3) and cut["b"] == pytest.approx(14.3)
    with pytest.raises(ValueError):
        jacobson_truax_cutoffs(1, 0, 1, 1)


def test_no_criterion_gives_no_category():
    rc = reliable_change(30, 15, "k10")
    assert rc.reliable is None and rc.category is None and rc.threshold is None
    assert rc.change == -15 and rc.improvement == 15


def test_accepts_scores_and_checks_them():
    before = score_response({str(i): 2 for i in range(1, 10)}, "phq9")
    after = score_response({str(i): 0 for i in range(1, 10)}, "phq9")
    assert reliable_change(before, after, "phq9").category == "recovered"
    unscored = score_response({}, "phq9")
    with pytest.raises(ValueError, match="not scored"):
        reliable_change(unscored, after, "phq9")
    with pytest.raises(ValueError, match="not 'gad7'"):
        reliable_change(before, after, "gad7")
    with pytest.raises(ValueError, match="outside"):
        reliable_change(30, 2, "phq9")
