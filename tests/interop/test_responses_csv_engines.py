"""The vectorised (polars) and the row-by-row (python) CSV readers agree exactly."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance.instruments import load_library
from alliance.interop.responses_csv import _Layout, _parse_fast, parse_responses_csv

CLIENTS = ["C1", "C2", " C3 ", "", "x" * 65, "Ä-7"]
NUMBERS = ["1", "2", "3", "", "0", "x", "+1", "01", "1234567890", " 2"]
DATES = ["", "2024-05-06", "2024-13-01", "2024-5-6", "20240506", "2024-02-30"]
INSTRUMENTS = ["phq9", "who5", "alliance-check", "wai-sr", "ors", "", "PHQ9"]
ITEMS = ["1", "2", "3", "9", "10", "01", "", "x"]
VALUES = [
    "0",
    "1",
    "2",
    "3",
    "5",
    "7.5",
    "10",
    "11",
    "",
    "-1",
    "1e0",
    "nan",
    "inf",
    "2.0",
    "abc",
    ".5",
    "1,5",
]

row = st.tuples(
    *(st.sampled_from(pool) for pool in (CLIENTS, NUMBERS, DATES, INSTRUMENTS, ITEMS, VALUES))
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=40), st.sampled_from([",", ";"]))
def test_engines_agree(rows, delim):
    header = delim.join(
        ["client_code", "session_number", "session_date", "instrument", "item", "value"]
    )
    if delim == ",":
        rows = [r[:5] + (r[5].replace(",", "."),) for r in rows]
    text = header + "\n" + "\n".join(delim.join(r) for r in rows) + "\n"
    fast = parse_responses_csv(text)
    slow = parse_responses_csv(text, engine="python")
    assert fast == slow


def test_fast_path_taken_for_simple_files():
    text = "client_code,session_number,instrument,item,value\nC1,1,phq9,1,2\nC1,1,phq9,1,3\n"
    layout = _Layout.from_header(text.split("\n", 1)[0], None)
    result = _parse_fast(text, layout, load_library())
    assert result is not None
    assert [str(e) for e in result.errors] == [
        "line 3: phq9 item 1 for client 'C1' at this session already given on line 2"
    ]
