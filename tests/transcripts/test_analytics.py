"""Talk analytics on a short transcript checked by hand."""

import json

import pytest

from alliance.transcripts import Utterance, summarise


def _u(i, speaker, role, text, start=None, end=None, code=None, open_q=None, pauses=()):
    return Utterance(i, speaker, role, text, start, end, None, pauses, 0, code, 1.0, open_q)


# Words: T 6 + 4 + 4 = 14, C 2 + 9 = 11 ("(...)" is no word), D 3; total 28.
HAND = [
    _u(0, "T", "practitioner", "What brings you here today, Anna?", 0.0, 3.0, "question", True),
    _u(1, "D", "interpreter", "Was führt Sie", 3.5, 5.0),
    _u(2, "C", "client", "My drinking.", 9.0, 10.0, "neutral", pauses=(None,)),
    _u(3, "T", "practitioner", "Your drinking worries you.", 10.5, 12.0, "reflection"),
    _u(
        4,
        "C",
        "client",
        "I want to cut down before the summer (...) really.",
        12.2,
        16.0,
        "change",
        pauses=(None,),
    ),
    _u(5, "T", "practitioner", "Do you drink daily?", 20.0, 21.0, "question", False),
]


def test_talk_balance():
    s = summarise(HAND)
    by = {x.speaker: x for x in s.speakers}
    assert (by["T"].words, by["C"].words, by["D"].words) == (14, 11, 3)
    assert by["T"].word_share == 0.5
    assert by["C"].turn_share == pytest.approx(2 / 6, abs=1e-4)
    assert by["T"].mean_turn_words == pytest.approx(4.67)
    assert by["C"].mean_turn_words == 5.5
    assert s.interpreter_word_share == pytest.approx(3 / 28, abs=1e-4)
    assert s.roles["client"]["words"] == 11
    assert s.duration_seconds == 21.0


def test_pauses():
    s = summarise(HAND, long_pause=3.0)
    gaps = [(p.index, p.seconds) for p in s.long_pauses if p.kind == "gap"]
    # 5.0 -> 9.0 before turn 2 and 16.0 -> 20.0 before turn 5; 0.5 s gaps are not long.
    assert gaps == [(2, 4.0), (5, 4.0)]
    markers = [p.index for p in s.long_pauses if p.kind == "marker"]
    assert markers == [2, 4]
    assert s.pause_markers == 2


def test_mi_indicators():
    s = summarise(HAND)
    assert (s.questions, s.reflections, s.open_questions) == (2, 1, 1)
    assert s.reflection_to_question == 0.5
    assert s.open_question_share == 0.5
    assert (s.change_talk, s.sustain_talk) == (1, 0)
    assert s.change_to_sustain is None  # no sustain talk: the ratio is undefined
    assert s.change_talk_share == 1.0
    json.dumps(s.to_dict())


def test_no_interpreter_no_times():
    s = summarise([_u(0, "T", "practitioner", "Hi."), _u(1, "C", "client", "Hello there.")])
    assert s.interpreter_word_share is None
    assert s.duration_seconds is None
    assert s.long_pauses == ()
    assert s.reflection_to_question is None
