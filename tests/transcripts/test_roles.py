"""Speaker-role guessing and the user's mapping."""

import pytest

from alliance.transcripts import TranscriptError, guess_roles, parse_transcript, remap_speakers


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["T", "C"], ["practitioner", "client"]),
        (["P", "C"], ["practitioner", "client"]),
        (["T", "P"], ["practitioner", "client"]),  # therapist and patient
        (["I", "B1", "B2"], ["practitioner", "client", "client"]),
        (["Therapeutin", "Klientin", "Dolmetscherin"], ["practitioner", "client", "interpreter"]),
        (["Coach", "Coachee"], ["practitioner", "client"]),
        (["Counsellor", "Client", "Interpreter"], ["practitioner", "client", "interpreter"]),
        (["Dr. Jones", "Mr Smith"], ["practitioner", "client"]),  # first speaker, no questions
        (["Speaker 1", "Speaker 2", "Unknown"], ["practitioner", "client", "other"]),
    ],
)
def test_guess_roles(labels, expected):
    assert list(guess_roles(labels).values()) == expected


def test_unknown_names_use_questions_and_a_third_name_is_other():
    roles = guess_roles(["Tom", "Maria", "Sue"], {"Tom": 0.0, "Maria": 0.6, "Sue": 0.1})
    assert roles == {"Tom": "other", "Maria": "practitioner", "Sue": "client"}


def test_unknown_name_beside_a_known_role_gets_the_missing_role():
    assert guess_roles(["Therapist", "Anna"]) == {"Therapist": "practitioner", "Anna": "client"}
    assert guess_roles(["Anna", "Client"]) == {"Anna": "practitioner", "Client": "client"}


def test_speaker_map_overrides_the_guess():
    text = "A: Hi, how are you?\nB: Fine.\nD: (translates) Gut.\n"
    t = parse_transcript(text, speaker_map={"b": "client", "D": "interpreter", "A": "Practitioner"})
    assert t.speakers == {"A": "practitioner", "B": "client", "D": "interpreter"}
    assert t.roles_guessed == {"A": False, "B": False, "D": False}
    assert [u.role for u in t.utterances] == ["practitioner", "client", "interpreter"]


def test_guessed_flags_without_map():
    t = parse_transcript("T: Hi?\nC: Hi.\n")
    assert t.roles_guessed == {"T": True, "C": True}


def test_speaker_map_errors():
    with pytest.raises(TranscriptError, match="unknown role 'boss'"):
        parse_transcript("T: Hi?\nC: Hi.\n", speaker_map={"T": "boss"})
    with pytest.raises(TranscriptError, match="does not speak") as err:
        parse_transcript("T: Hi?\nC: Hi.\n", speaker_map={"X": "client"})
    assert "'T'" in str(err.value)


def test_remap_a_parsed_transcript():
    t = parse_transcript("Anna: How are you?\nBen: Fine.\n")
    assert t.speakers == {"Anna": "practitioner", "Ben": "client"}
    fixed = remap_speakers(t, {"Anna": "client", "Ben": "practitioner"})
    assert [u.role for u in fixed.utterances] == ["client", "practitioner"]
    assert fixed.roles_guessed == {"Anna": False, "Ben": False}
    partly = remap_speakers(t, {"Ben": "other"})
    assert partly.roles_guessed == {"Anna": True, "Ben": False}
