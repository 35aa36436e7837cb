import json

import pytest
from typer.testing import CliRunner

from alliance.commands.monitoring import app
from alliance.monitoring import SIGNAL_TYPES, load_guidance
from alliance.monitoring.guidance import GuidanceError, guidance_for, parse_guidance


def test_every_signal_type_has_guidance_and_ruptures_name_3rs_strategies():
    g = load_guidance()
    assert set(g) == set(SIGNAL_TYPES)
    _, steps = guidance_for("rupture", "withdrawal")
    assert any(s.strategy and s.strategy.approach == "direct" for s in steps)
    assert any(s.strategy and s.strategy.approach == "indirect" for s in steps)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "signal_type": "nope",
                "title": "t",
                "summary": "s",
                "steps": [{"id": "a", "text": "b"}],
            },
            "signal_type",
        ),
        (
            {
                "signal_type": "rupture",
                "title": "t",
                "summary": "s",
                "steps": [{"id": "a", "text": "b"}],
            },
            "3RS",
        ),
        ({"signal_type": "critical", "title": "t", "summary": "s", "steps": []}, "steps"),
        (
            {
                "signal_type": "rupture",
                "title": "t",
                "summary": "s",
                "steps": [
                    {
                        "id": "a",
                        "text": "b",
                        "strategy": {"name": "x", "approach": "sideways", "focus": "immediate"},
                    }
                ],
            },
            "approach",
        ),
        ({"signal_type": "critical", "title": "t", "summary": "s", "steps": [{"id": "a"}]}, "text"),
    ],
)
def test_invalid_guidance_is_refused_with_a_clear_error(data, message):
    with pytest.raises(GuidanceError, match=message):
        parse_guidance(data, "bad.yaml")


def test_cli_monitor_json(tmp_path):
    csv = tmp_path / "scores.csv"
    lines = ["episode,session,instrument,score,rater,subscale"]
    lines += [f"e1,{s},alliance-check,{v},client," for s, v in enumerate([8, 8, 8, 8, 3], 1)]
    lines += [f"e1,{s},phq9,{v},client," for s, v in enumerate([12, 13, 19], 1)]
    lines += ["e1,2,phq9,1,client,item9"]
    csv.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(app, [str(csv), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    types = {s["type"] for s in out}
    assert {"critical", "not_on_track", "rupture"} <= types
    for s in out:
        assert {"type", "episode", "session", "state", "evidence", "key"} <= set(s)
    text = CliRunner().invoke(app, [str(csv)])
    assert text.exit_code == 0 and "critical" in text.output


def test_cli_reports_bad_input(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("episode,session,score\n1,1,3\n")
    result = CliRunner().invoke(app, [str(csv)])
    assert result.exit_code == 2 and "instrument" in result.output
