"""`alliance outcomes FILE.csv [--json]`, in-process, on the hand-worked edge cases."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from alliance.cli import app
from alliance.outcomes.summary import COUNT_KEYS
from tests.outcomes.edge_cases import (
    EXPECTED_ALL,
    EXPECTED_PHQ9,
    EXPECTED_PRACTITIONER,
    csv_text,
)

runner = CliRunner()
RATES = ("recovery", "reliable_improvement", "reliable_deterioration", "reliable_recovery")


@pytest.fixture
def edge_csv(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(csv_text())
    return path


def run_json(path):
    result = runner.invoke(app, ["outcomes", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return {g["group"]: g for g in json.loads(result.stdout)["groups"]}


def test_json_groups_hold_the_hand_computed_counts(edge_csv):
    groups = run_json(edge_csv)
    assert list(groups) == [
        "all",
        "practitioner:pA",
        "practitioner:pB",
        "service:counselling",
        "service:therapy",
    ]
    assert {k: groups["all"][k] for k in COUNT_KEYS} == EXPECTED_ALL
    for name, expected in EXPECTED_PRACTITIONER.items():
        assert {k: groups[f"practitioner:{name}"][k] for k in COUNT_KEYS} == expected
    assert {k: groups["service:therapy"][k] for k in COUNT_KEYS} == EXPECTED_PRACTITIONER["pA"]
    for group in groups.values():
        for key in COUNT_KEYS:
            assert type(group[key]) is int
        for name in RATES:
            entry = group["rates"][name]
            assert entry["low"] <= entry["rate"] <= entry["high"]
    phq = next(i for i in groups["all"]["instruments"] if i["instrument"] == "phq9")
    assert {k: phq[k] for k in COUNT_KEYS} == EXPECTED_PHQ9
    assert phq["effect_sizes"]["cohen_d_intake"]["n"] == 12
    assert phq["effect_sizes"]["paired_d"]["low"] is not None
    assert groups["all"]["left_out"] == {
        "no session with both PHQ-9 and GAD-7": 1,
        "only one session with both PHQ-9 and GAD-7": 1,
    }


def test_row_order_does_not_matter(edge_csv, tmp_path):
    lines = edge_csv.read_text().splitlines()
    other = tmp_path / "sorted.csv"
    other.write_text("\n".join([lines[0], *sorted(lines[1:])]) + "\n")
    assert run_json(edge_csv) == run_json(other)


def test_without_json_prints_a_table(edge_csv):
    result = runner.invoke(app, ["outcomes", str(edge_csv)])
    assert result.exit_code == 0, result.output
    assert "practitioner:pA" in result.stdout
    assert "57% (25%–84%)" in result.stdout  # recovery 4/7 with its Wilson interval
    assert "all: 1 left out (only one session with both PHQ-9 and GAD-7)" in result.stdout


def test_without_json_the_table_has_each_instrument_and_its_effect_sizes(edge_csv):
    result = runner.invoke(app, ["outcomes", str(edge_csv)], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Each instrument on its own" in text
    groups = run_json(edge_csv)
    phq9 = next(i for i in groups["all"]["instruments"] if i["instrument"] == "phq9")
    d = phq9["effect_sizes"]["cohen_d_intake"]
    # The same figures as the JSON, rounded to two places.
    assert f"{d['d']:.2f} ({d['low']:.2f} to {d['high']:.2f}), n={d['n']}" in text
    assert "A positive d is an improvement." in text


@pytest.mark.parametrize(
    "row, message",
    [
        ("E1,1,phq9,abc", "line 3: score 'abc' is not a number"),
        ("E1,x,phq9,4", "line 3: session 'x' is not a whole number"),
        ("E1,0,phq9,4", "line 3: session 0 is below 1"),
        (",2,phq9,4", "line 3: the episode is empty"),
        ("E1,2,nosuch,4", "line 3: unknown instrument 'nosuch'"),
        ("E1,2,phq9,28", "line 3: phq9 score 28 lies outside 0–27"),
        ("E1,1,phq9,5", "line 3: episode E1 already has a phq9 score at session 1 (line 2)"),
        ("E1,2,phq9,4,extra", "line 3: more fields than the header has columns"),
    ],
)
def test_a_bad_row_gets_a_line_numbered_error(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(f"episode,session,instrument,score\nE1,1,phq9,12\n{row}\n")
    result = runner.invoke(app, ["outcomes", str(path), "--json"])
    assert result.exit_code == 2
    assert message in result.stderr


def test_an_episode_with_two_practitioners_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "episode,session,instrument,score,practitioner\nE1,1,phq9,12,ann\nE1,2,phq9,4,bob\n"
    )
    result = runner.invoke(app, ["outcomes", str(path)])
    assert result.exit_code == 2
    assert "line 3: episode E1 has practitioner 'bob' but 'ann' on line 2" in result.stderr


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("episode,session,score\nE1,1,12\n")
    result = runner.invoke(app, ["outcomes", str(path)])
    assert result.exit_code == 2
    assert "line 1: the header lacks the column(s) instrument" in result.stderr
