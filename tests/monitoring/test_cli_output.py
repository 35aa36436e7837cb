"""`alliance monitor FILE.csv`: each printed signal is marked alert or information."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from alliance.cli import app

runner = CliRunner()


@pytest.fixture
def scores(tmp_path):
    # Twenty steady clients at 6.0, 6.2, ... 9.8: the practice's 25th percentile at sessions
    # 3-5 is 7.0, so P00-P04 (6.0-6.8) are its lowest quarter (information), all above the
    # low cut-off 5. Client L drops from 8 to 3 at session 7 and is back at 8 at session 8:
    # a rupture (dip) and a low alliance, both alerts, repaired and resolved by session 8.
    rows = ["episode,session,instrument,score"]
    for i in range(20):
        rows += [f"P{i:02d},{s},alliance-check,{6 + i * 0.2:.1f}" for s in range(1, 6)]
    rows += [f"L,{s},alliance-check,{v}" for s, v in enumerate([8] * 6 + [3, 8], start=1)]
    path = tmp_path / "scores.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_text_output_marks_each_signal_alert_or_information(scores):
    result = runner.invoke(app, ["monitor", str(scores)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[:6] for line in lines] == [
        ["alert", "rupture", "L", "s7", "repaired", "info"],
        ["alert", "low_alliance", "L", "s7", "resolved", "info"],
        *(["information", "early_alliance", f"P0{i}", "s3", "open", "info"] for i in range(5)),
    ]


def test_json_alert_and_severity_agree_with_the_text(scores):
    result = runner.invoke(app, ["monitor", str(scores), "--json"])
    assert result.exit_code == 0, result.output
    got = [(s["type"], s["alert"], s["state"], s["severity"]) for s in json.loads(result.stdout)]
    assert got == [
        ("rupture", True, "repaired", "info"),
        ("low_alliance", True, "resolved", "info"),
        *[("early_alliance", False, "open", "info")] * 5,
    ]


def test_an_open_alert_carries_its_types_severity(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(
        "episode,session,instrument,score\n"
        + "".join(f"L,{s},alliance-check,{v}\n" for s, v in enumerate([8] * 6 + [3], start=1))
    )
    result = runner.invoke(app, ["monitor", str(path)])
    assert [line.split()[:6] for line in result.stdout.splitlines()] == [
        ["alert", "rupture", "L", "s7", "open", "high"],
        ["alert", "low_alliance", "L", "s7", "open", "medium"],
    ]
