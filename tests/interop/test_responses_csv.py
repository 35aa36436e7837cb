import io
from datetime import date

import pytest

from alliance.interop.responses_csv import (
    CsvFormatError,
    parse_responses_csv,
    write_responses_csv,
)
from alliance.scoring import score_batch

GOOD = """client_code,session_number,session_date,instrument,item,value
C-01,1,,phq9,1,2
C-01,1,,phq9,2,3
C-01,1,,phq9,9,0
C-01,2,,phq9,1,1
C-02,,2024-05-06,who5,1,5
C-02,,2024-05-06,who5,2,
C-02,3,2024-05-20,alliance-check,1,7.5
C-02,3,2024-05-20,alliance-check,5,1
"""


def test_good_file_groups_rows_into_administrations(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text(GOOD)
    result = parse_responses_csv(path)
    assert result.ok and result.rows_read == 8 and result.errors == []
    keys = [a.key for a in result.administrations]
    assert keys == [
        ("C-01", 1, None, "phq9"),
        ("C-01", 2, None, "phq9"),
        ("C-02", None, date(2024, 5, 6), "who5"),
        ("C-02", 3, date(2024, 5, 20), "alliance-check"),
    ]
    first = result.administrations[0]
    assert first.values == {"1": 2.0, "2": 3.0, "9": 0.0} and first.lines == (2, 3, 4)
    assert result.administrations[2].values == {"1": 5.0, "2": None}


def test_same_input_same_result():
    assert parse_responses_csv(GOOD) == parse_responses_csv(GOOD.encode("utf-8"))


def test_every_bad_row_reported_with_line_number():
    text = """client_code,session_number,instrument,item,value
C1,1,phq9,1,2
C1,1,phq9,2,4
,1,phq9,3,1
C1,0,phq9,4,1
C1,x,phq9,5,1
C1,1,ors,1,5
C1,1,phq9,10,1
C1,1,phq9,6,often
C1,1,phq9,1,3
C1,,phq9,7,1
C1,1,phq9
C2,1,gad7,1,1
"""
    result = parse_responses_csv(text)
    got = {e.line: e.reason for e in result.errors}
    assert sorted(got) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "value 4 is not allowed for phq9 item 2 (one of 0, 1, 2, 3)" in got[3]
    assert got[4] == "client_code is empty"
    assert "session_number '0' is not a positive whole number" in got[5]
    assert "session_number 'x'" in got[6]
    assert got[7] == "unknown instrument 'ors'"
    assert got[8] == "phq9 has no item '10'"
    assert got[9] == "value 'often' is not a number"
    assert got[10] == "phq9 item 1 for client 'C1' at this session already given on line 2"
    assert got[11] == "session_number or session_date is required"
    assert "expected at least 5 fields" in got[12]
    assert [a.key for a in result.administrations] == [("C2", 1, None, "gad7")]
    assert ("C1", 1, None, "phq9") in result.incomplete
    report = result.error_report()
    assert report.splitlines()[0].startswith("line 3: ")
    assert len(report.splitlines()) == 10
    assert "more bad rows" in result.error_report(limit=3)


def test_line_numbers_survive_quoted_newlines_and_blank_lines():
    text = 'client_code,session_number,instrument,item,value,note\nC1,1,phq9,1,1,"two\nlines"\n\nC1,1,phq9,2,9,x\n'
    result = parse_responses_csv(text)
    assert [(e.line, e.reason.split(" is")[0]) for e in result.errors] == [(5, "value 9")]


def test_semicolon_decimal_comma_and_bom():
    text = (
        "\ufeffclient_code;session_date;instrument;item;value\nC1;2024-01-02;alliance-check;1;7,5\n"
    )
    result = parse_responses_csv(text)
    assert result.ok and result.administrations[0].values == {"1": 7.5}
    assert result.administrations[0].session_date == date(2024, 1, 2)


def test_bad_dates():
    text = "client_code,session_date,instrument,item,value\nC1,2024-13-01,phq9,1,1\n"
    assert (
        parse_responses_csv(text).errors[0].reason
        == "session_date '2024-13-01' is not a date (YYYY-MM-DD)"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("client_code,session_number,instrument,value\n", "missing column(s) item"),
        ("client_code,instrument,item,value\n", "session_number or a session_date"),
    ],
)
def test_file_level_errors(text, fragment):
    with pytest.raises(CsvFormatError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_responses_csv(text)


def test_rows_feed_the_batch_scorer_and_write_back():
    result = parse_responses_csv(GOOD)
    scored = score_batch(result.item_rows())
    assert scored.height == 4
    buf = io.StringIO()
    write_responses_csv(result.administrations, buf)
    again = parse_responses_csv(buf.getvalue())
    assert [a.values for a in again.administrations] == [a.values for a in result.administrations]
