"""Hand-worked scoring cases for every shipped instrument (see the reference, section A)."""

import pytest

from alliance.instruments import instrument_from_dict, load_instrument
from alliance.scoring import (
    OutOfRangeError,
    UnknownInstrumentError,
    UnknownItemError,
    score_response,
)

from ..instruments.toy import toy_definition


def fill(instrument_id, raw_total, avoid=()):
    """Answers on items in order summing to ``raw_total`` (items in ``avoid`` at their minimum)."""
    inst = load_instrument(instrument_id)
    out, left = {}, raw_total - sum(i.min for i in inst.items)
    for it in inst.items:
        step = 0 if it.id in avoid else min(left, it.max - it.min)
        out[it.id] = it.min + step
        left -= step
    assert left == 0
    return out


# -- PHQ-9 ---------------------------------------------------------------------------------
def test_phq9_minimum_and_maximum():
    low = score_response({str(i): 0 for i in range(1, 10)}, "phq9")
    assert (low.total, low.band, low.critical, low.scored) == (0, "minimal", (), True)
    high = score_response({str(i): 3 for i in range(1, 10)}, "phq9")
    assert (high.total, high.band, high.critical) == (27, "severe", ("9",))


@pytest.mark.parametrize(
    ("total", "band"),
    [(4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (24, "severe")],
)  # fmt: skip
def test_phq9_band_boundaries(total, band):
    s = score_response(fill("phq9", total, avoid={"9"}), "phq9")
    assert (s.total, s.band, s.critical) == (total, band, ())


def test_phq9_item9_is_critical_whatever_the_total():
    answers = {str(i): 0 for i in range(1, 10)} | {"9": 1}
    s = score_response(answers, "phq9")
    assert (s.total, s.band, s.critical) == (1, "minimal", ("9",))


def test_phq9_one_missing_is_prorated_and_rounded_half_up():
    # 8 answered items summing to 4: 4 * 9 / 8 = 4.5 -> 5 (half up), band mild
    answers = fill("phq9", 4, avoid={"9"})
    answers["9"] = None
    s = score_response(answers, "phq9")
    assert s.scored and s.prorated and s.missing_items == ("9",)
    assert s.raw_total == 5 and s.total == 5 and s.band == "mild"
    assert s.validity == ("prorated",)
    # 8 items all 2: 16 * 9 / 8 = 18
    s = score_response({str(i): 2 for i in range(1, 9)}, "phq9")
    assert (s.total, s.band, s.missing_items) == (18, "moderately_severe", ("9",))
    # 3 * 9 / 8 = 3.375 -> 3
    assert score_response(fill("phq9", 3) | {"9": None}, "phq9").total == 3


def test_phq9_two_missing_gives_no_score():
    s = score_response({str(i): 1 for i in range(1, 8)}, "phq9")
    assert not s.scored and s.total is None and s.band is None
    assert s.missing_items == ("8", "9") and s.validity == ("too_many_missing",)


def test_empty_response_is_not_scored():
    s = score_response({}, "phq9")
    assert not s.scored and s.n_answered == 0 and len(s.missing_items) == 9


# -- GAD-7 ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "severe"), (21, "severe")],
)  # fmt: skip
def test_gad7_bands(total, band):
    s = score_response(fill("gad7", total), "gad7")
    assert (s.total, s.band) == (total, band)


def test_gad7_missing_rule():
    answers = {"1": 3, "2": 2, "3": 1, "4": 1, "5": 1, "6": 1}  # 9 * 7 / 6 = 10.5 -> 11
    s = score_response(answers, "gad7")
    assert (s.total, s.band, s.missing_items) == (11, "moderate", ("7",))
    del answers["6"]
    assert not score_response(answers, "gad7").scored


# -- WHO-5: raw sum x 4 --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answers", "raw", "total", "band"),
    [
        ([0, 0, 0, 0, 0], 0, 0, "poor"),
        ([5, 5, 5, 5, 5], 25, 100, "adequate"),
        ([3, 3, 2, 2, 2], 12, 48, "poor"),  # raw below 13 = poor well-being
        ([3, 3, 3, 2, 2], 13, 52, "adequate"),
        ([2, 2, 3, 3, 3], 13, 52, "adequate"),
    ],
)
def test_who5_times_four(answers, raw, total, band):
    s = score_response({str(i + 1): v for i, v in enumerate(answers)}, "who5")
    assert (s.raw_total, s.total, s.band) == (raw, total, band)


def test_who5_prorated_before_multiplying():
    # 4 answered, raw 11: 11 * 5 / 4 = 13.75 -> 14, x 4 = 56 (not (raw - 5) x 4)
    s = score_response({"1": 3, "2": 3, "3": 2, "4": 3}, "who5")
    assert (s.raw_total, s.total, s.band) == (14, 56, "adequate")


# -- K10 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("total", "band"),
    [(10, "low"), (15, "low"), (16, "moderate"), (21, "moderate"), (22, "high"), (29, "high"),
     (30, "very_high"), (50, "very_high")],
)  # fmt: skip
def test_k10_bands(total, band):
    s = score_response(fill("k10", total), "k10")
    assert (s.total, s.band) == (total, band)


def test_k10_rejects_zero_based_scoring():
    with pytest.raises(
        OutOfRangeError, match=r"k10 item 1: value 0 is not allowed \(one of 1, 2, 3, 4, 5\)"
    ):
        score_response({"1": 0}, "k10")


# -- Flourishing ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("total", "band"),
    [(8, "lowest_tenth"), (36, "lowest_tenth"), (37, "lowest_third"), (43, "lowest_third"),
     (44, "upper_two_thirds"), (56, "upper_two_thirds")],
)  # fmt: skip
def test_flourishing_norm_bands(total, band):
    s = score_response(fill("flourishing", total), "flourishing")
    assert (s.total, s.band) == (total, band)


# -- Alliance Check ------------------------------------------------------------------------
@pytest.mark.parametrize("iid", ["alliance-check", "alliance-check-practitioner"])
def test_alliance_check_mean_and_subscales(iid):
    s = score_response({"1": 8, "2": 6, "3": 10, "4": 7, "5": 0}, iid)
    assert s.total == pytest.approx(7.75) and s.band is None
    assert s.subscales == {"goal": 8, "task": 6, "bond": 10, "overall": 7}
    assert s.signals == () and s.critical == ()


def test_alliance_check_extremes_and_vas_decimal():
    assert score_response({k: 0 for k in "1234"}, "alliance-check").total == 0
    assert score_response({k: 10 for k in "1234"}, "alliance-check").total == 10
    assert score_response({"1": 7.5, "2": 7.5, "3": 7.5, "4": 7.5}, "alliance-check").total == 7.5
    with pytest.raises(OutOfRangeError, match="a number from 0 to 10"):
        score_response({"1": 10.5}, "alliance-check")


def test_alliance_check_rupture_signals():
    s = score_response({"1": 5, "2": 5, "3": 5, "4": 5, "5": 1, "6": 4, "7": 2}, "alliance-check")
    assert s.signals == ("rupture", "rupture_unresolved") and s.critical == ()
    s = score_response({"1": 5, "2": 5, "3": 5, "4": 5, "5": 1, "6": 2, "7": 5}, "alliance-check")
    assert s.signals == ("rupture",)
    with pytest.raises(OutOfRangeError, match="one of 0, 1"):
        score_response({"5": 2}, "alliance-check")
    with pytest.raises(OutOfRangeError, match="one of 1, 2, 3, 4, 5"):
        score_response({"6": 0}, "alliance-check")


def test_alliance_check_missing_rule():
    s = score_response({"1": 6, "2": 9, "3": 9}, "alliance-check")  # item 4 missing: mean of 3
    assert s.total == 8 and s.prorated and s.missing_items == ("4",)
    assert s.subscales["overall"] is None
    assert not score_response({"1": 6, "2": 9}, "alliance-check").scored


# -- WAI-SR and SAI (structure only) --------------------------------------------------------
def test_wai_sr_subscales():
    answers = {str(i): (i % 5) + 1 for i in range(1, 13)}  # 2,3,4,5,1,2,3,4,5,1,2,3
    s = score_response(answers, "wai-sr")
    assert s.total == 35
    assert s.subscales == {"task": 2 + 3 + 1 + 3, "bond": 4 + 1 + 3 + 5, "goal": 5 + 2 + 4 + 2}
    full = score_response({str(i): 5 for i in range(1, 13)}, "wai-sr")
    assert full.total == 60 and set(full.subscales.values()) == {20}
    low = score_response({str(i): 1 for i in range(1, 13)}, "wai-sr")
    assert low.total == 12 and set(low.subscales.values()) == {4}


def test_wai_sr_subscale_needs_all_items():
    answers = {str(i): 3 for i in range(1, 12)}  # item 12 (task) missing
    s = score_response(answers, "wai-sr")
    assert s.total == 36 and s.prorated
    assert s.subscales["task"] is None and s.subscales["bond"] == 12


def test_sai_mean():
    assert score_response({str(i): 5 for i in range(1, 7)}, "sai").total == 5
    assert score_response({"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5}, "sai").total == 2.5


# -- reverse keys (toy instrument: items 2 and 4 reversed on 1-5) ---------------------------
def test_reverse_keyed_items():
    toy = instrument_from_dict(toy_definition())
    s = score_response({"1": 5, "2": 1, "3": 5, "4": 1}, toy)
    assert s.total == 20 and s.subscales == {"a": 10, "b": 10}
    assert s.critical == ("3",) and s.band == "high"
    s = score_response({"1": 1, "2": 5, "3": 1, "4": 5}, toy)
    assert s.total == 4 and s.band == "low"
    s = score_response(
        {"1": 3, "2": 2, "3": 1, "4": None}, toy
    )  # 3 + 4 + 1 = 8 -> 8*4/3 = 10.67 -> 11
    assert s.total == 11 and s.subscales == {"a": 7, "b": 2}  # b: 1 * 2 / 1 = 2


def test_straightlining_flag_with_reverse_keys():
    toy = instrument_from_dict(toy_definition())
    assert "straightlining" in score_response({k: 4 for k in "1234"}, toy).validity
    assert score_response({"1": 4, "2": 2, "3": 4, "4": 2}, toy).validity == ()


# -- errors --------------------------------------------------------------------------------
def test_unknown_item_and_instrument():
    with pytest.raises(UnknownItemError, match="phq9: unknown item '10'"):
        score_response({"10": 1}, "phq9")
    with pytest.raises(UnknownInstrumentError, match="Unknown instrument 'ors'"):
        score_response({}, "ors")
    assert issubclass(UnknownItemError, ValueError) and issubclass(
        UnknownInstrumentError, ValueError
    )


@pytest.mark.parametrize("bad", [4, -1, 1.5, True, "2", float("inf")])
def test_out_of_range_values(bad):
    with pytest.raises(OutOfRangeError) as info:
        score_response({"2": bad}, "phq9")
    assert info.value.item == "2" and "phq9 item 2" in str(info.value)


def test_integer_keys_and_nan_accepted():
    s = score_response({1: 1, 2: float("nan")} | {str(i): 1 for i in range(3, 10)}, "phq9")
    assert s.missing_items == ("2",) and s.total == 9
