"""score_range and range_problem: the possible range of a total, a subscale and an item."""

from __future__ import annotations

import pytest

from alliance.instruments import load_instrument, range_problem, score_range


@pytest.mark.parametrize(
    "instrument, part, expected",
    [
        ("phq9", None, (0, 27)),
        ("phq9", "total", (0, 27)),
        ("phq9", "9", (0, 3)),  # one item, answers 0-3
        ("who5", None, (0, 100)),  # raw 0-25 times 4
        ("wai-sr", "task", (4, 20)),  # sum of 4 items on 1-5 (reference A2: subscales 4-20)
        ("alliance-check", "goal", (0, 10)),  # mean of one item on 0-10
        ("alliance-check", "5", (0, 1)),  # the tension question: no / yes
        ("alliance-check", "6", (1, 5)),  # how much it bothered: 1-5
    ],
)
def test_score_range_of_totals_subscales_and_items(instrument, part, expected):
    assert score_range(load_instrument(instrument), part) == expected


def test_an_unknown_part_is_a_key_error():
    with pytest.raises(KeyError):
        score_range(load_instrument("phq9"), "bond")


def test_range_problem_names_instrument_part_and_range():
    phq9 = load_instrument("phq9")
    assert range_problem(phq9, 27) is None and range_problem(phq9, 0) is None
    assert range_problem(phq9, 40) == "phq9 score 40 lies outside 0–27"
    ac = load_instrument("alliance-check")
    assert range_problem(ac, -50) == "alliance-check score -50 lies outside 0–10"
    assert range_problem(ac, 11, "goal") == "alliance-check goal score 11 lies outside 0–10"
    assert range_problem(phq9, 4, "9") == "phq9 item 9 score 4 lies outside 0–3"
    assert range_problem(ac, 2, "5", "tension") == "alliance-check tension score 2 lies outside 0–1"
