"""`alliance monitor FILE.csv`: impossible or malformed input is refused naming the line (exit 2)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from alliance.cli import app

runner = CliRunner()
HEADER = "episode,session,instrument,score,rater,subscale"
GOOD = "E1,1,phq9,12,,"


def run(path, *args):
    return runner.invoke(app, ["monitor", str(path), *args])


@pytest.mark.parametrize(
    "row, message",
    [
        # outside the library's ranges: PHQ-9 0-27, Alliance Check 0-10 (total and subscales)
        ("E1,2,phq9,40,,", "line 3: phq9 score 40 lies outside 0–27"),
        ("E1,2,alliance-check,-50,,", "line 3: alliance-check score -50 lies outside 0–10"),
        ("E1,2,alliance-check,99,client,", "line 3: alliance-check score 99 lies outside 0–10"),
        ("E1,2,alliance-check,11,,goal", "line 3: alliance-check goal score 11 lies outside 0–10"),
        ("E1,2,wai-sr,21,,task", "line 3: wai-sr task score 21 lies outside 4–20"),
        ("E1,2,phq9,4,,item9", "line 3: phq9 item9 score 4 lies outside 0–3"),
        (
            "E1,2,alliance-check,2,,tension",
            "line 3: alliance-check tension score 2 lies outside 0–1",
        ),
        ("E1,2,alliance-check,0,,bother", "line 3: alliance-check bother score 0 lies outside 1–5"),
        (
            "E1,2,phq9,4,,bond",
            "line 3: phq9 has no subscale 'bond' (total or an item such as item9)",
        ),
        ("E1,2,ors,12,,", "line 3: unknown instrument 'ors'"),
        ("E1,2,phq9,NaN,,", "line 3: score 'NaN' is not a finite number"),
        ("E1,2,phq9,inf,,", "line 3: score 'inf' is not a finite number"),
        ("E1,2,phq9,-Infinity,,", "line 3: score '-Infinity' is not a finite number"),
        ("E1,2,phq9,abc,,", "line 3: score 'abc' is not a number"),
        ("E1,x,phq9,4,,", "line 3: session 'x' is not a whole number"),
        ("E1,2.5,phq9,4,,", "line 3: session '2.5' is not a whole number"),
        ("E1,70000,phq9,4,,", "line 3: session 70000 lies outside 0–65535"),
        (",2,phq9,4,,", "line 3: the episode is empty"),
        ("E1,2,,4,,", "line 3: the instrument is empty"),
        ("E1,2,phq9,4,therapist,", "line 3: rater 'therapist' is neither client nor practitioner"),
        ("E1,2,phq9,4,,,extra", "line 3: more fields than the header has columns"),
        (
            "E1,1,phq9,13,,",
            "line 3: episode E1 session 1 has two phq9 total scores by the client: "
            "13 here and 12 on line 2",
        ),
        (
            "E1,1,phq9,12,client,total",  # the same row spelt out: still the same administration
            "line 3: episode E1 session 1 has the same phq9 total score by the client again "
            "(first on line 2)",
        ),
    ],
)
def test_a_bad_row_is_refused_with_its_line(tmp_path, row, message):
    path = tmp_path / "scores.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n{row}\n")
    for args in ((), ("--json",)):
        result = run(path, *args)
        assert result.exit_code == 2, result.output
        assert result.stderr == f"Error: {path}: {message}\n"
        assert result.stdout == ""


def test_the_same_session_by_both_raters_or_on_two_subscales_is_no_duplicate(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(
        f"{HEADER}\nE1,1,alliance-check,7,client,\nE1,1,alliance-check,6,practitioner,\n"
        "E1,1,alliance-check,8,Client,goal\nE1,1,alliance-check,1,,tension\n"
        "E1,1,alliance-check,5,,bother\nE1,1,alliance-check-practitioner,6,,\n"
    )
    result = run(path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["type"] == "rupture"  # the client's own report


def test_a_missing_file_is_named(tmp_path):
    result = run(tmp_path / "nosuch.csv")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'nosuch.csv'} does not exist\n"


def test_without_a_file_the_command_says_what_to_give():
    result = runner.invoke(app, ["monitor"])
    assert result.exit_code == 2
    assert "Give a tidy CSV of scores, or --all for the database." in result.stderr


def test_an_empty_file_and_a_missing_column_are_named(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = run(empty)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {empty}: the file is empty "
        "(it needs a header with the columns episode, session, instrument, score)\n"
    )
    lacking = tmp_path / "lacking.csv"
    lacking.write_text("episode,session,score\nE1,1,12\n")
    result = run(lacking)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {lacking}: line 1: the header lacks the column(s) instrument\n"


def test_a_directory_and_text_that_is_not_utf8_are_refused(tmp_path):
    result = run(tmp_path)
    assert (
        result.exit_code == 2
        and result.stderr == f"Error: {tmp_path}: is a directory, not a file\n"
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{HEADER}\nJos\xe9,1,phq9,12,,\n".encode("latin-1"))
    result = run(latin)
    assert result.exit_code == 2 and result.stderr == f"Error: {latin}: is not UTF-8 text\n"


def test_a_header_only_file_has_no_signals(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(f"{HEADER}\n")
    result = run(path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_a_row_without_a_score_is_left_out_as_before(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(f"{HEADER}\n{GOOD}\nE1,2,phq9,,,\n")
    result = run(path, "--json")
    assert result.exit_code == 0, result.output


def test_parquet_rows_are_checked_and_named_by_number(tmp_path):
    path = tmp_path / "scores.parquet"
    pl.DataFrame(
        {
            "episode": ["E1", "E1"],
            "session": [1, 2],
            "instrument": ["phq9"] * 2,
            "score": [12.0, float("nan")],
        }
    ).write_parquet(path)
    result = run(path)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: row 2: score 'nan' is not a finite number\n"
