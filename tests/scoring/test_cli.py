import json

import pytest
from typer.testing import CliRunner

from alliance.commands.scoring import CLI_KEYS, app

runner = CliRunner()


def test_score_json_output():
    answers = {str(i): 1 for i in range(1, 10)} | {"9": 2}
    result = runner.invoke(app, ["phq9", "--json"], input=json.dumps(answers))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert tuple(data) == CLI_KEYS
    assert data == {
        "instrument": "phq9",
        "total": 10.0,
        "subscales": {},
        "band": "moderate",
        "missing_items": [],
        "scored": True,
        "critical": ["9"],
    }


def test_score_subscales_and_missing():
    answers = {str(i): 3 for i in range(1, 12)}
    data = json.loads(runner.invoke(app, ["wai-sr", "--json"], input=json.dumps(answers)).output)
    assert data["total"] == 36 and data["missing_items"] == ["12"]
    assert data["subscales"] == {"task": None, "bond": 12.0, "goal": 12.0}


def test_human_output():
    result = runner.invoke(app, ["who5"], input='{"1": 5, "2": 5, "3": 5, "4": 5, "5": 5}')
    assert result.exit_code == 0
    assert "WHO-5: 100 (Adequate well-being)" in result.output
    assert "Topp" in result.output


def test_exit_2_with_clear_messages():
    cases = [
        (["ors", "--json"], "{}", "Unknown instrument 'ors'"),
        (["phq9", "--json"], '{"10": 1}', "phq9: unknown item '10'"),
        (["phq9", "--json"], '{"1": 4}', "phq9 item 1: value 4 is not allowed (one of 0, 1, 2, 3)"),
        (["phq9", "--json"], "not json", "not valid JSON"),
        (["phq9", "--json"], "[1, 2]", "expected a JSON object"),
    ]
    for args, stdin, message in cases:
        result = runner.invoke(app, args, input=stdin)
        assert result.exit_code == 2, (args, stdin, result.output)
        assert message in result.output


def test_a_key_given_twice_is_refused_naming_it():
    # Python's json keeps the last value: {"1": 1, "1": 2} would have scored item 1 as 2.
    result = runner.invoke(app, ["phq9", "--json"], input='{"1": 1, "2": 0, "1": 2}')
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: stdin: the key '1' appears twice in one object\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    "stdin, message",
    [
        (
            '{"1": NaN}',
            "Error: stdin: NaN is not a JSON number (the value of '1'); "
            "write a number or leave the answer out\n",
        ),
        (
            '{"2": 1, "1": -Infinity}',
            "Error: stdin: -Infinity is not a JSON number (the value of '1'); "
            "write a number or leave the answer out\n",
        ),
        (
            "[1, NaN]",
            "Error: stdin: NaN is not a JSON number; write a number or leave the answer out\n",
        ),
        ("not json", "Error: stdin: not valid JSON: Expecting value: line 1 column 1 (char 0)\n"),
    ],
)
def test_numbers_json_does_not_have_are_refused_in_a_sentence(stdin, message):
    result = runner.invoke(app, ["phq9", "--json"], input=stdin)
    assert result.exit_code == 2, result.output
    assert result.stderr == message
