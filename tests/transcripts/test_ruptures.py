"""Rupture-candidate rules on constructed dialogues: moments that should and should not fire."""

import pytest

from alliance.transcripts import find_rupture_candidates, parse_transcript


def _markers(text):
    t = parse_transcript(text)
    return [(c.index, c.marker, c.category) for c in find_rupture_candidates(t.utterances)]


@pytest.mark.parametrize(
    ("client_line", "marker", "category"),
    [
        ("You're not listening to me.", "complaint_practitioner", "confrontation"),
        ("You just don't get it, do you.", "complaint_practitioner", "confrontation"),
        ("Honestly, this isn't helping at all.", "complaint_work", "confrontation"),
        ("We're not getting anywhere with these sessions.", "complaint_work", "confrontation"),
        (
            "That won't work for me, I already tried that.",
            "rejecting_intervention",
            "confrontation",
        ),
        ("Just tell me what to do.", "pressing_control", "confrontation"),
        ("I don't want to talk about that.", "pressing_control", "confrontation"),
        ("I'm fine, really, it's no big deal.", "denial", "withdrawal"),
        ("You're right, whatever you think is best.", "deferential", "withdrawal"),
        ("Anyway, did I tell you about my new car?", "topic_shift", "withdrawal"),
        ("I don't know.", "minimal_response", "withdrawal"),
    ],
)
def test_marker_fires(client_line, marker, category):
    text = f"T: How have things been with your drinking since we last met?\nC: {client_line}\n"
    found = _markers(text)
    assert (1, marker, category) in found


@pytest.mark.parametrize(
    "client_line",
    [
        "It's been hard, but I cut down to two drinks on weekdays.",
        "The new routine is really working for me.",
        "I tried the diary and it helped a lot.",
        "My wife noticed I was calmer, which felt good.",
        "Well, I think I drink mostly when I'm stressed at work, and I want to change that.",
    ],
)
def test_engaged_replies_raise_nothing(client_line):
    text = f"T: How have things been with your drinking since we last met?\nC: {client_line}\n"
    assert _markers(text) == []


def test_minimal_reply_to_information_is_not_a_rupture():
    text = "T: The guideline is at most fourteen units a week.\nC: Okay.\n"
    assert _markers(text) == []


def test_minimal_replies_in_a_row_gain_confidence():
    text = (
        "T: How was the week?\nC: Fine.\nT: Did you try the plan?\nC: Yeah.\n"
        "T: What happened with it?\nC: Not really sure.\n"
    )
    t = parse_transcript(text)
    cands = [c for c in find_rupture_candidates(t.utterances) if c.marker == "minimal_response"]
    # "Yeah." to a closed question is an answer; the third short reply in a row counts.
    assert [c.index for c in cands] == [1, 5]
    assert cands[1].confidence > cands[0].confidence
    assert "3 short replies in a row" in cands[1].reason


def test_short_answer_to_a_closed_question_is_not_a_rupture():
    text = "T: Is it okay if I take a look at the form?\nC: Sure.\n"
    assert _markers(text) == []


def test_anyway_inside_a_sentence_is_not_a_topic_shift():
    text = "T: How often do you think you'll drink?\nC: Less than now, I don't drink much anyway.\n"
    assert _markers(text) == []


def test_practitioner_turns_never_raise_candidates():
    text = "T: You're not listening to me, this isn't helping.\nC: I see what you mean, and I want to try.\n"
    assert _markers(text) == []


def test_topic_shift_phrase_that_stays_on_topic_is_not_a_shift():
    text = "T: What do you want to do about the drinking?\nC: Anyway, the drinking has to stop.\n"
    assert _markers(text) == []


def test_abstract_talk():
    text = (
        "T: How do you feel when you drink alone?\n"
        "C: People always need something to lean on, that's life, everyone has their vices "
        "and society is built around it in general.\n"
    )
    assert (1, "abstract_talk", "withdrawal") in _markers(text)


def test_candidate_carries_time_reason_and_evidence():
    text = (
        "WEBVTT\n\n00:01:00.000 --> 00:01:04.000\n<v T>Could we try a drink diary?\n\n"
        "00:01:05.000 --> 00:01:07.000\n<v C>That won't work.\n"
    )
    (cand,) = find_rupture_candidates(parse_transcript(text).utterances)
    assert cand.index == 1 and cand.time == 65.0 and cand.timestamp == "00:01:05"
    assert cand.marker == "rejecting_intervention" and cand.category == "confrontation"
    assert 0 < cand.confidence <= 1
    assert "won't work" in cand.reason and cand.evidence == "That won't work"
    assert cand.to_dict()["speaker"] == "C"
