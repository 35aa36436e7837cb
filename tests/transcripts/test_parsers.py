"""Each transcript format, well-formed and malformed (errors name the line)."""

import pytest

from alliance.transcripts import TranscriptError, detect_format, parse_transcript

DRESING_PEHL = """I: Wie geht es Ihnen heute? #00:00:05-2#

B: Gut (...) eigentlich. Naja, die Arbeit (unv.). #00:00:12-0#

I: Erzählen Sie mir
mehr davon. #00:00:20-0#

B: (lacht) Da gibt es nicht viel (5) zu erzählen. #00:00:31-5#
"""


def test_dresing_pehl_well_formed():
    t = parse_transcript(DRESING_PEHL)
    assert t.format == "dresing_pehl"
    assert t.speakers == {"I": "practitioner", "B": "client"}
    u = t.utterances
    assert [x.speaker for x in u] == ["I", "B", "I", "B"]
    assert u[0].start is None and u[0].end == pytest.approx(5.2)
    # A D&P stamp ends a paragraph, so the next turn starts where the last one ended.
    assert u[1].start == pytest.approx(5.2) and u[1].end == 12.0
    assert u[1].pauses == (None,) and u[1].unclear == 1
    assert u[2].text == "Erzählen Sie mir mehr davon." and u[2].line == 5
    assert u[3].pauses == (5.0,)
    assert u[3].words == 7  # "(lacht)" and "(5)" are not words


def test_dresing_pehl_detected_and_forced():
    assert detect_format(DRESING_PEHL) == "dresing_pehl"
    assert parse_transcript(DRESING_PEHL, format="dresing_pehl").format == "dresing_pehl"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("I: Hallo #00:00:05-0#\n\nB: Hallo #00:0:07-0#\n", 3, "malformed time stamp"),
        ("Interview 3, Mai\nI: Hallo #00:00:05-0#\n", 1, "speaker label"),
        ("I: Hallo #00:00:15-0#\n\nB: Ja #00:00:09-0#\n", 3, "earlier than the one on line 1"),
        ("I: Hallo #00:00:05-0#\n\nB: #00:00:09-0#\n", 3, "has no text"),
        ("I: Hallo #00:00:05-0#\nB: Ja #00:61:00-0#\n", 2, "malformed time stamp"),
    ],
)
def test_dresing_pehl_malformed(text, line, fragment):
    with pytest.raises(TranscriptError) as err:
        parse_transcript(text, format="dresing_pehl")
    assert err.value.line == line
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"line {line}:")
    assert "expected" in str(err.value)


WEBVTT = """WEBVTT
Kind: captions

NOTE recorded with consent

intro
00:00:01.000 --> 00:00:04.000
<v Dr Smith>How are you today?</v>

00:00:05.000 --> 00:00:07.500
<v.loud Anna>Fine, I guess.</v>

00:00:09.000 --> 00:00:10.000
Not really &amp; not sure.

00:00:14.500 --> 00:00:16.000
Dr Smith: What happened?
"""


def test_webvtt_well_formed():
    t = parse_transcript(WEBVTT)
    assert t.format == "webvtt"
    assert t.speakers == {"Dr Smith": "practitioner", "Anna": "client"}
    u = t.utterances
    assert len(u) == 3
    assert (u[0].start, u[0].end, u[0].line) == (1.0, 4.0, 8)
    # Consecutive cues of one speaker form one turn; the 1.5 s silence is kept as a pause.
    assert u[1].text == "Fine, I guess. Not really & not sure."
    assert (u[1].start, u[1].end) == (5.0, 10.0)
    assert u[1].pauses == (1.5,)
    assert u[2].speaker == "Dr Smith" and u[2].start == 14.5


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("00:00:01.000 --> 00:00:02.000\n<v A>hi\n", 1, "WEBVTT"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\n<v A>hi\n", 3, "cue timing line"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\n<v A>hi\n", 3, "cue time"),
        ("WEBVTT\n\n00:00:05.000 --> 00:00:02.000\n<v A>hi\n", 3, "before it starts"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello there\n", 4, "no speaker"),
        ("WEBVTT\n\ncue-1\n", 4, "no timing line"),
    ],
)
def test_webvtt_malformed(text, line, fragment):
    with pytest.raises(TranscriptError) as err:
        parse_transcript(text, format="webvtt")
    assert err.value.line == line
    assert fragment in str(err.value)


SRT = """1
00:00:01,000 --> 00:00:04,000
Therapist: What brings you here?

2
00:00:05,000 --> 00:00:07,500
Client: My wife.
She says I drink too much.

3
00:00:12,000 --> 00:00:13,000
Therapist: Hm.
"""


def test_srt_well_formed():
    t = parse_transcript(SRT)
    assert t.format == "srt"
    assert t.speakers == {"Therapist": "practitioner", "Client": "client"}
    u = t.utterances
    assert u[1].text == "My wife. She says I drink too much."
    assert (u[1].start, u[1].end, u[1].line) == (5.0, 7.5, 7)
    assert u[2].start == 12.0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\nx\n00:00:03,000 --> 00:00:04,000\nB: y\n",
            5,
            "cue number",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n2\n00:00:03 --> 00:00:04,000\nB: y\n",
            6,
            "cue time",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n2\n", 6, "no timing line"),
    ],
)
def test_srt_malformed(text, line, fragment):
    with pytest.raises(TranscriptError) as err:
        parse_transcript(text, format="srt")
    assert err.value.line == line
    assert fragment in str(err.value)


def test_plain_labels_continuations_and_times():
    text = "T: Hello there.\nC: Hi.\n[00:01:00] T: What would you like to talk about?\nC: My drinking\n   and stuff.\n"
    t = parse_transcript(text)
    assert t.format == "plain"
    assert [u.speaker for u in t.utterances] == ["T", "C", "T", "C"]
    assert t.utterances[3].text == "My drinking and stuff."
    assert t.utterances[2].start == 60.0
    assert t.utterances[3].start is None  # a start time is not carried to the next turn


def test_plain_with_names_guesses_roles_from_questions():
    text = "Maria: Hi Tom, how was your week?\nTom: Busy.\nMaria: What made it busy?\nTom: Work.\n"
    t = parse_transcript(text)
    assert t.speakers == {"Maria": "practitioner", "Tom": "client"}


def test_plain_colon_in_sentence_is_not_a_label():
    text = "C: I told her: no more.\nT: and then she said: fine?\n"
    t = parse_transcript(text)
    assert [u.speaker for u in t.utterances] == ["C", "T"]
    assert t.utterances[0].text == "I told her: no more."


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Hello there\nT: hi\n", 1, "text before the first speaker label"),
        ("\n\nT:\nC: hi\n", 3, "has no text"),
        ("T: hi\n[00:99:00] C: hm\n", 2, "cannot read the time"),
    ],
)
def test_plain_malformed(text, line, fragment):
    with pytest.raises(TranscriptError) as err:
        parse_transcript(text, format="plain")
    assert err.value.line == line
    assert fragment in str(err.value)


def test_csv_well_formed_with_semicolons_quotes_and_times():
    text = 'speaker;text;start;end\nP;"Hello; welcome.";00:00:01;2.5\nC;"Thanks,\nI guess";3;00:00:05.5\nP;Okay?;6;\n'
    t = parse_transcript(text)
    assert t.format == "csv"
    assert t.speakers == {"P": "practitioner", "C": "client"}
    u = t.utterances
    assert u[0].text == "Hello; welcome." and (u[0].start, u[0].end) == (1.0, 2.5)
    assert u[1].text == "Thanks, I guess" and (u[1].start, u[1].end) == (3.0, 5.5)
    assert u[2].line == 5 and u[2].end is None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("speaker,words\nA,hi\n", 1, "no text column"),
        ("speaker,text\nA,hi\nB,hi,extra\n", 3, "3 fields"),
        ("speaker,text,time\nA,hi,1\nB,ho,soon\n", 3, "start time"),
        ("speaker,text\nA,hi\n,ho\n", 3, "speaker is empty"),
        ("speaker,text\n", 2, "no rows"),
    ],
)
def test_csv_malformed(text, line, fragment):
    with pytest.raises(TranscriptError) as err:
        parse_transcript(text, format="csv")
    assert err.value.line == line
    assert fragment in str(err.value)


def test_bytes_with_bom_and_crlf():
    data = "\ufeffT: Hi?\r\nC: Hello.\r\n".encode()
    t = parse_transcript(data)
    assert [u.text for u in t.utterances] == ["Hi?", "Hello."]


def test_not_utf8_and_empty_and_unknown_format():
    with pytest.raises(TranscriptError, match="UTF-8"):
        parse_transcript(b"T: caf\xe9\n")
    with pytest.raises(TranscriptError, match="empty"):
        parse_transcript("  \n")
    with pytest.raises(TranscriptError, match="unknown format"):
        parse_transcript("T: hi", format="docx")


def test_detect_format():
    assert detect_format(WEBVTT) == "webvtt"
    assert detect_format(SRT) == "srt"
    assert detect_format("speaker,text\nT,hi\n") == "csv"
    assert detect_format("T: hi\nC: ho\n") == "plain"
