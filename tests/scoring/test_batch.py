import pandas as pd
import polars as pl
import pytest

from alliance.instruments import instrument_from_dict, load_library
from alliance.scoring import (
    OutOfRangeError,
    UnknownInstrumentError,
    UnknownItemError,
    score_batch,
    score_response,
    scores_from_batch,
)

from ..instruments.toy import toy_definition

CASES = {
    "a1": ("phq9", {str(i): 3 for i in range(1, 10)}),
    "a2": ("phq9", {str(i): 2 for i in range(1, 9)}),  # one missing
    "a3": ("phq9", {"1": 1, "2": None}),  # too many missing
    "a4": ("who5", {"1": 3, "2": 3, "3": 2, "4": 3}),
    "a5": ("alliance-check", {"1": 8, "2": 6.5, "3": 10, "4": 7, "5": 1, "6": 3, "7": 1}),
    "a6": ("wai-sr", {str(i): (i % 5) + 1 for i in range(1, 12)}),
    "a7": ("gad7", {}),
    "a8": ("k10", {str(i): 5 for i in range(1, 11)}),
}


def _frame(cases):
    rows = [
        {"administration": a, "instrument": iid, "item": item, "value": value}
        for a, (iid, answers) in cases.items()
        for item, value in answers.items()
    ]
    rows.append({"administration": "a7", "instrument": "gad7", "item": "1", "value": None})
    return pl.DataFrame(
        rows,
        schema={
            "administration": pl.String,
            "instrument": pl.String,
            "item": pl.String,
            "value": pl.Float64,
        },
    )


def test_batch_equals_single_for_hand_cases():
    lib = load_library()
    out = score_batch(_frame(CASES), lib)
    assert out.height == len(CASES)
    assert out.get_column("administration").to_list() == sorted(CASES)
    got = scores_from_batch(out, lib)
    for a, (iid, answers) in CASES.items():
        assert got[a] == score_response(answers, iid), a


def test_batch_columns():
    out = score_batch(_frame(CASES))
    row = out.filter(pl.col("administration") == "a1").row(0, named=True)
    assert row["total"] == 27 and row["band"] == "severe" and row["critical"] == ["9"]
    row = out.filter(pl.col("administration") == "a3").row(0, named=True)
    assert (
        row["total"] is None
        and not row["scored"]
        and row["missing_items"] == [str(i) for i in range(2, 10)]
    )
    assert row["validity"] == ["too_many_missing"]
    row = out.filter(pl.col("administration") == "a5").row(0, named=True)
    assert row["signals"] == ["rupture", "rupture_unresolved"] and row["subscale_task"] == 6.5
    assert {"subscale_task", "subscale_bond", "subscale_goal", "subscale_overall"} <= set(
        out.columns
    )


def test_pandas_input_and_integer_administrations():
    df = (
        _frame(CASES).with_columns(pl.col("administration").str.slice(1).cast(pl.Int64)).to_pandas()
    )
    assert isinstance(df, pd.DataFrame)
    out = score_batch(df)
    assert out.get_column("administration").to_list() == list(range(1, 9))
    assert out.schema["administration"] == pl.Int64


def test_single_instrument_argument_and_reverse_keys():
    toy = instrument_from_dict(toy_definition())
    df = pl.DataFrame(
        {"administration": [1, 1, 1, 1, 2, 2, 2, 2], "instrument": ["toy"] * 8,
         "item": ["1", "2", "3", "4"] * 2, "value": [5.0, 1, 5, 1, 4, 4, 4, 4]}
    )  # fmt: skip
    got = scores_from_batch(score_batch(df, toy), {"toy": toy})
    assert got[1] == score_response({"1": 5, "2": 1, "3": 5, "4": 1}, toy)
    assert got[1].total == 20 and got[1].critical == ("3",)
    assert got[2].validity == ("straightlining",)


@pytest.mark.parametrize(
    ("row", "error", "fragment"),
    [
        (("x", "phq9", "10", 1.0), UnknownItemError, "administration 'x': phq9: unknown item '10'"),
        (("x", "phq9", "01", 1.0), UnknownItemError, "unknown item '01'"),
        (("x", "phq9", "q1", None), UnknownItemError, "unknown item 'q1'"),
        (
            ("x", "phq9", "3", 4.0),
            OutOfRangeError,
            "administration 'x': phq9 item 3: value 4 is not allowed",
        ),
        (("x", "phq9", "3", 1.5), OutOfRangeError, "value 1.5"),
        (("x", "alliance-check", "1", 11.0), OutOfRangeError, "from 0 to 10"),
        (("x", "ors", "1", 1.0), UnknownInstrumentError, "Unknown instrument 'ors'"),
    ],
)
def test_batch_errors_name_administration_item_and_value(row, error, fragment):
    df = pl.DataFrame(
        [("ok", "phq9", "1", 1.0), row],
        schema={
            "administration": pl.String,
            "instrument": pl.String,
            "item": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )
    with pytest.raises(error, match=fragment):
        score_batch(df)


def test_option_set_membership_checked():
    # WHO-5 values are 0..5 (consecutive); a non-consecutive set goes through the join path.
    d = toy_definition()
    d["answer_sets"]["five"]["options"][4]["value"] = 7
    d["scoring"]["range"]["max"] = 28
    d["bands"][1]["max"] = 28
    toy = instrument_from_dict(d)
    df = pl.DataFrame({"administration": [1], "instrument": ["toy"], "item": ["1"], "value": [6.0]})
    with pytest.raises(OutOfRangeError, match="one of 1, 2, 3, 4, 7"):
        score_batch(df, toy)


def test_duplicate_items_and_mixed_instruments_rejected():
    dup = pl.DataFrame(
        {
            "administration": [1, 1],
            "instrument": ["phq9"] * 2,
            "item": ["2", "2"],
            "value": [1.0, 2.0],
        }
    )
    with pytest.raises(ValueError, match="item '2' of phq9 appears more than once"):
        score_batch(dup)
    mixed = pl.DataFrame(
        {
            "administration": [1, 1],
            "instrument": ["phq9", "gad7"],
            "item": ["1", "1"],
            "value": [1.0, 2.0],
        }
    )
    with pytest.raises(ValueError, match="mixes several instruments"):
        score_batch(mixed)
    with pytest.raises(ValueError, match="lacks column"):
        score_batch(pl.DataFrame({"administration": [1]}))
