"""Transcript codes only where the models apply (issue 12): English gets MI codes, other
languages get the talk balance and a notice."""

from __future__ import annotations

from alliance.transcripts import analyze_transcript
from alliance.transcripts.language import detect_language

GERMAN = """I: Wie geht es Ihnen heute, und was möchten Sie heute besprechen? #00:00:05-2#

B: Ich weiß nicht. Es ist schon wieder die Arbeit, und ich habe das Gefühl, dass es nicht besser wird. #00:00:15-0#

I: Was genau macht Ihnen an der Arbeit am meisten zu schaffen? #00:00:22-0#

B: Mein Chef sagt mir jeden Tag, dass ich zu langsam bin, und dann kann ich nicht mehr schlafen. #00:00:35-5#

I: Wie haben Sie sich gefühlt, als er das gesagt hat? #00:00:41-0#

B: Schlecht. Ich habe mich klein gefühlt, und ich will das nicht mehr. #00:00:50-0#
"""

ENGLISH = """T: What would you like to talk about today?
C: I don't know. Honestly this is not working, we're going round in circles.
T: You feel stuck and it's frustrating.
C: Yeah.
T: What would make today worthwhile for you?
C: Maybe.
T: So part of you wonders whether coming here helps.
C: I want to stop drinking so much, I really do.
"""


def test_language_detection_by_function_words():
    assert detect_language([GERMAN]) == "de"
    assert detect_language([ENGLISH]) == "en"
    assert detect_language(["Je ne sais pas, mais je pense que vous avez raison et que ce"]) == "fr"
    assert detect_language(["ok"]) is None  # too short to tell


def test_a_german_interview_gets_talk_balance_but_no_mi_codes():
    a = analyze_transcript(GERMAN)
    assert len(a.utterances) == 6  # parsed: three I: and three B: turns
    assert a.language == "de" and a.coded is False
    assert "German" in a.notice and "English" in a.notice and "AnnoMI" in a.notice
    # talk balance is there
    shares = {s.role: s.word_share for s in a.summary.speakers}
    assert set(shares) == {"practitioner", "client"} and 0 < shares["client"] < 1
    # no codes, no percentages, no candidates: never "Open questions 0%"
    assert all(u.code is None for u in a.utterances)
    assert a.summary.questions == 0 and a.summary.open_question_share is None
    assert a.summary.change_talk_share is None
    assert a.candidates == ()
    d = a.to_dict()
    assert d["coded"] is False and d["notice"] == a.notice and d["language"] == "de"


def test_an_english_session_is_still_coded():
    a = analyze_transcript(ENGLISH)
    assert a.coded and a.notice is None and a.language == "en"
    assert a.summary.questions > 0 and a.candidates


def test_cli_says_why_a_german_transcript_has_no_codes(tmp_path):
    from typer.testing import CliRunner

    from alliance.commands.transcripts import app

    path = tmp_path / "interview.txt"
    path.write_text(GERMAN, encoding="utf-8")
    out = CliRunner().invoke(app, ["analyze", str(path)])
    assert out.exit_code == 0, out.output
    assert "looks German" in out.output and "open questions" not in out.output
    assert "of words" in out.output  # the talk balance
