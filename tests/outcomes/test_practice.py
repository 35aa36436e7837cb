"""Dropout, quarters, alliance terciles and small-cell suppression, by hand."""

import datetime as dt

import polars as pl
import pytest

from alliance.outcomes.practice import (
    BENCHMARKS,
    alliance_distribution,
    by_alliance_tercile,
    by_quarter,
    dropout,
    quarter_of,
    suppress,
)


def facts(rows):
    return pl.DataFrame(
        rows,
        schema={"ended_on": pl.Date, "ending_type": pl.Utf8, "attended": pl.Int64},
        orient="row",
    )


def test_dropout_counts_unplanned_endings_and_short_episodes():
    day = dt.date(2026, 3, 1)
    table = facts(
        [
            (day, "planned", 6),  # completed
            (day, "unplanned", 6),  # dropped out: unplanned
            (day, "planned", 1),  # dropped out: fewer than 2 sessions
            (day, "transferred", 1),  # left out: transferred
            (None, None, 3),  # left out: still open
        ]
    )
    out = dropout(table, min_sessions=2)
    assert (out["numerator"], out["denominator"]) == (2, 3)
    assert out["left_out"] == {"still open": 1, "transferred": 1}
    assert dropout(table, min_sessions=7)["numerator"] == 3
    with pytest.raises(ValueError):
        dropout(table, min_sessions=0)


def test_quarters():
    assert quarter_of(dt.date(2026, 1, 1)) == "2026-Q1"
    assert quarter_of(dt.date(2026, 3, 31)) == "2026-Q1"
    assert quarter_of(dt.date(2026, 4, 1)) == "2026-Q2"
    assert quarter_of(dt.date(2026, 12, 31)) == "2026-Q4"


def per_episode(n, *, alliance=None, ended=None, recovered=None):
    return pl.DataFrame(
        {
            "counted": [True] * n,
            "case_at_start": [True] * n,
            "case_at_end": [not r for r in recovered],
            "recovered": recovered,
            "reliably_improved": recovered,
            "reliably_deteriorated": [False] * n,
            "reliably_recovered": recovered,
            "reason": [None] * n,
            "alliance_s3": alliance,
            "ended_on": ended,
        },
        schema_overrides={"reason": pl.Utf8, "alliance_s3": pl.Float64, "ended_on": pl.Date},
    )


def test_terciles_cut_at_the_thirds_with_ties_going_down():
    alliance = [1, 2, 3, 4, 5, 6, 7, 8, 9.0]
    recovered = [False, False, False, False, True, True, True, True, True]
    table = per_episode(9, alliance=alliance, ended=[None] * 9, recovered=recovered)
    out = by_alliance_tercile(table)
    # numpy's 1/3 and 2/3 quantiles of 1..9 are 11/3 and 19/3
    assert out["cuts"] == pytest.approx([11 / 3, 19 / 3])
    assert [t["counted"] for t in out["terciles"]] == [3, 3, 3]
    assert [t["recovered"] for t in out["terciles"]] == [0, 2, 3]


def test_by_quarter_groups_on_the_ending():
    ended = [dt.date(2026, 1, 5), dt.date(2026, 2, 5), dt.date(2026, 5, 5)]
    table = per_episode(3, alliance=[5.0] * 3, ended=ended, recovered=[True, False, True])
    out = by_quarter(table)
    assert [(q["quarter"], q["counted"], q["recovered"]) for q in out] == [
        ("2026-Q1", 2, 1),
        ("2026-Q2", 1, 1),
    ]


def test_small_cells_are_blanked():
    assert suppress({"counted": 9, "recovered": 3, "group": "x"}) == {
        "suppressed": True,
        "min_cell": 10,
        "group": "x",
    }
    assert suppress({"counted": 10, "recovered": 3})["recovered"] == 3


def test_alliance_distribution_and_benchmarks_name_their_source():
    dist = alliance_distribution([6.5, 7.0, 7.25, 9.5])
    assert dist["n"] == 4 and dist["median"] == pytest.approx(7.125)
    assert [b["n"] for b in dist["bins"]][6:] == [1, 2, 0, 1]
    for bench in BENCHMARKS.values():
        assert bench["source"] and bench["year"] and 0 < bench["rate"] < 1
