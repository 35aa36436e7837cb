"""The entry function and the `analyze` command, end to end with the shipped models."""

import json

from typer.testing import CliRunner

from alliance.commands.transcripts import app
from alliance.transcripts import TranscriptAnalysis, analyze_transcript, parse_transcript

SESSION = """T: Hi Sam, what brings you in today? #00:00:04-0#

C: My doctor says I should stop smoking. #00:00:09-0#

T: You're here because your doctor is worried. #00:00:13-0#

C: I want to quit, I'm tired of coughing every morning. #00:00:19-0#

T: How would quitting change things for you? #00:00:24-0#

C: (...) I don't know. #00:00:33-0#

T: Smoking even a few cigarettes a day raises the risk of heart disease. #00:00:41-0#

C: You sound just like my wife. This isn't helping. #00:00:47-0#
"""


def test_analyze_transcript_end_to_end():
    result = analyze_transcript(SESSION)
    assert isinstance(result, TranscriptAnalysis)
    assert result.format == "dresing_pehl"
    codes = [u.code for u in result.utterances]
    assert codes[0] == "question" and codes[4] == "question"
    assert codes[2] == "reflection"
    assert codes[3] == "change"
    assert all(0 < u.confidence <= 1 for u in result.utterances)
    assert result.utterances[4].open_question is True
    s = result.summary
    assert s.questions == 2 and s.reflections >= 1
    assert s.reflection_to_question == s.reflections / s.questions
    assert s.pause_markers == 1
    kinds = {(c.index, c.marker) for c in result.candidates}
    assert (5, "minimal_response") in kinds
    assert (7, "complaint_practitioner") in kinds and (7, "complaint_work") in kinds
    (late,) = [c for c in result.candidates if c.marker == "complaint_work"]
    assert late.timestamp == "00:00:41"  # the turn starts when the one before ends
    data = json.loads(json.dumps(result.to_dict()))
    assert data["utterances"][3]["code"] == "change"
    assert set(data["model_versions"]) == {"therapist", "client"}


def test_interpreter_turns_are_not_coded():
    text = "T: How are you?\nD: Wie geht es Ihnen?\nC: Gut.\nD: Good.\n"
    result = analyze_transcript(text, speaker_map={"D": "interpreter"})
    assert [u.code is None for u in result.utterances] == [False, True, False, True]
    assert result.summary.interpreter_word_share is not None
    # A parsed transcript can be analysed again with corrected roles.
    again = analyze_transcript(parse_transcript(text), speaker_map={"D": "other"})
    assert again.speakers["D"] == "other" and again.summary.interpreter_word_share is None


def test_cli_analyze_json(tmp_path):
    path = tmp_path / "session.txt"
    path.write_text(SESSION, encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "dresing_pehl"
    assert [s["role"] for s in data["speakers"]] == ["practitioner", "client"]
    assert data["summary"]["questions"] == 2


def test_cli_analyze_format_speaker_map_and_text_output(tmp_path):
    path = tmp_path / "session.csv"
    path.write_text("speaker,text\nAna,Hello.\nBo,How are you?\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "analyze",
            str(path),
            "--format",
            "csv",
            "--speaker",
            "Ana=client",
            "--speaker",
            "Bo=practitioner",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Ana (client)" in result.output and "Bo (practitioner)" in result.output
    bad = runner.invoke(app, ["analyze", str(path), "--speaker", "Ana"])
    assert bad.exit_code != 0


def test_cli_analyze_reports_the_line_of_a_malformed_file(tmp_path):
    path = tmp_path / "bad.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\nzwei\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 1
    assert "line 5: expected a cue number" in result.output
