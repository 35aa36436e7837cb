"""Read transcripts: Dresing & Pehl, WebVTT, SRT, speaker-labelled plain text and CSV.

Every parser turns the source into speaker turns with line numbers; ``parse_transcript``
detects the format (unless told), maps speakers to roles and returns a ``Transcript``.
Anything malformed raises ``TranscriptError`` naming the line and what was expected, so
nothing half-read is ever returned.

Dresing & Pehl simple transcription (Praxisbuch Interview & Transkription, 2012): one
paragraph per turn, ``I:``/``B:`` (or ``T:``/``C:``) labels, a time stamp ``#hh:mm:ss-d#``
at the end of the paragraph (the time the turn ends), pauses ``(...)``, ``(unv.)``.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from alliance.transcripts.model import FORMATS, Transcript, TranscriptError, Utterance
from alliance.transcripts.roles import apply_speaker_map, guess_roles
from alliance.transcripts.textutil import format_clock, parse_clock, pauses_in, unclear_in

MAX_LABEL_CHARS = 40
# Two cues of one speaker are merged into one turn; a silence this long between them is
# kept as a pause of the turn.
MERGED_GAP_AS_PAUSE = 1.0

_LABEL_RE = re.compile(
    r"^\s*(?P<label>[^\W_][\w.'’\- ]{0," + str(MAX_LABEL_CHARS) + r"}?)\s*[:：]\s*(?P<rest>.*)$"
)
_DP_STAMP_RE = re.compile(r"#(?P<clock>\d{1,2}:\d{2}:\d{2})(?:[-.,](?P<tenth>\d{1,3}))?#")
_DP_STAMP_LOOSE_RE = re.compile(r"#[\d:.,\- ]{3,}#")
_PLAIN_STAMP_RE = re.compile(
    r"^\s*(?:\[(?P<a>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?)\]|\((?P<b>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?)\)|"
    r"(?P<c>\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?))\s*"
)
_CUE_TIME_RE = re.compile(r"^(?:(?P<h>\d{1,3}):)?(?P<m>\d{2}):(?P<s>\d{2})[.,](?P<ms>\d{3})$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]+)*\s+(?P<name>[^>]+)>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[^>]+>")
_BRACKET_SPEAKER_RE = re.compile(r"^\s*\[(?P<label>[^\]\d][^\]]{0,40})\]\s*(?P<rest>.*)$")
_LABEL_WORDS = {
    "therapist", "client", "counsellor", "counselor", "coach", "patient", "interpreter",
    "practitioner", "interviewer", "speaker", "coachee", "klient", "klientin", "therapeut",
    "therapeutin", "dolmetscher", "dolmetscherin", "berater", "beraterin", "respondent",
}  # fmt: skip

LABEL_HINT = "a speaker label such as 'T:', 'C:', 'I:', 'B:' or 'Client:' at the start of the line"


@dataclass
class _Turn:
    speaker: str
    text: list[str]
    line: int
    start: float | None = None
    end: float | None = None
    extra_pauses: list[float] = field(default_factory=list)


def _looks_like_label(label: str) -> bool:
    """Accept ``T``, ``B2``, ``Dr Smith``, ``Speaker 1``, ``client``; refuse sentences."""
    label = label.strip()
    if not label or len(label) > MAX_LABEL_CHARS:
        return False
    words = label.split()
    if len(words) > 3:
        return False
    if label.lower() in _LABEL_WORDS or label.rstrip("0123456789 ").lower() in _LABEL_WORDS:
        return True
    return all(w[0].isupper() or w[0].isdigit() for w in words)


def _split_label(line: str) -> tuple[str, str] | None:
    m = _LABEL_RE.match(line)
    if not m or not _looks_like_label(m.group("label")):
        return None
    # "10:30" or "Note: 5:3" are not labels: a label must not be only digits.
    if m.group("label").strip().isdigit():
        return None
    return m.group("label").strip(), m.group("rest")


# --------------------------------------------------------------------------------------
# Dresing & Pehl and plain speaker-labelled text
# --------------------------------------------------------------------------------------
def _parse_labelled(text: str, fmt: str) -> list[_Turn]:
    turns: list[_Turn] = []
    current: _Turn | None = None
    last_time: float | None = None
    last_time_line = 0

    def check_order(t: float, line_no: int) -> None:
        nonlocal last_time, last_time_line
        if last_time is not None and t + 1e-9 < last_time:
            raise TranscriptError(
                f"time stamp {format_clock(t)} is earlier than the one on line "
                f"{last_time_line} ({format_clock(last_time)})",
                line=line_no,
                expected="time stamps in increasing order",
            )
        last_time, last_time_line = t, line_no

    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        lead_time: float | None = None
        if fmt == "plain":
            m = _PLAIN_STAMP_RE.match(line)
            if m and _split_label(line[m.end() :]):
                clock = m.group("a") or m.group("b") or m.group("c")
                lead_time = parse_clock(clock)
                if lead_time is None:
                    raise TranscriptError(
                        f"cannot read the time {clock!r}", line_no, "hh:mm:ss or mm:ss"
                    )
                line = line[m.end() :]
        # Time stamps: every "#...#" that looks like a clock must be a valid one.
        stamps: list[tuple[int, float]] = []
        for loose in _DP_STAMP_LOOSE_RE.finditer(line):
            m = _DP_STAMP_RE.fullmatch(loose.group(0))
            seconds = parse_clock(m.group("clock")) if m else None
            if m is None or seconds is None:
                raise TranscriptError(
                    f"malformed time stamp {loose.group(0)!r}",
                    line_no,
                    "a Dresing & Pehl time stamp like '#00:03:22-0#'",
                )
            if m.group("tenth"):
                seconds += int(m.group("tenth")) / 10 ** len(m.group("tenth"))
            stamps.append((loose.start(), seconds))
        line_text = _DP_STAMP_RE.sub(" ", line).strip()
        labelled = _split_label(line_text) if line_text else None
        if labelled is not None:
            label, rest = labelled
            current = _Turn(label, [rest] if rest.strip() else [], line_no, start=lead_time)
            turns.append(current)
            if lead_time is not None:
                check_order(lead_time, line_no)
            body_offset = line.find(rest) if rest else len(line)
        else:
            if current is None:
                if not line_text and stamps:
                    # A lone time stamp before the first turn: the recording's start.
                    for _, t in stamps:
                        check_order(t, line_no)
                    continue
                raise TranscriptError(
                    f"text before the first speaker label: {line[:40]!r}", line_no, LABEL_HINT
                )
            if line_text:
                current.text.append(line_text)
            body_offset = 0
        for pos, t in stamps:
            check_order(t, line_no)
            has_text_before = bool(_DP_STAMP_RE.sub("", line[body_offset:pos]).strip())
            if not has_text_before and not current.text and current.start is None:
                current.start = t
            else:
                current.end = t
    for turn in turns:
        if not " ".join(turn.text).strip():
            raise TranscriptError(
                f"speaker {turn.speaker!r} has no text", turn.line, "text after the speaker label"
            )
    if not turns:
        raise TranscriptError("no speaker turns found", 1, LABEL_HINT)
    # Dresing & Pehl stamps mark the end of a turn, so a turn starts when the one before ends.
    prev_end: float | None = None
    for turn in turns:
        if turn.start is None and prev_end is not None:
            turn.start = prev_end
        prev_end = turn.end
    return turns


# --------------------------------------------------------------------------------------
# WebVTT and SRT
# --------------------------------------------------------------------------------------
def _cue_time(value: str, line_no: int, fmt: str) -> float:
    m = _CUE_TIME_RE.match(value.strip())
    sep = "." if fmt == "webvtt" else ","
    if not m or int(m.group("m")) >= 60 or int(m.group("s")) >= 60:
        raise TranscriptError(
            f"cannot read the cue time {value.strip()!r}",
            line_no,
            f"a time like '00:01:02{sep}500'",
        )
    return (
        int(m.group("h") or 0) * 3600
        + int(m.group("m")) * 60
        + int(m.group("s"))
        + int(m.group("ms")) / 1000
    )


def _timing(line: str, line_no: int, fmt: str) -> tuple[float, float]:
    sep = "." if fmt == "webvtt" else ","
    parts = line.split("-->")
    if len(parts) != 2:
        raise TranscriptError(
            f"expected a cue timing line, found {line.strip()[:40]!r}",
            line_no,
            f"'00:00:01{sep}000 --> 00:00:04{sep}000'",
        )
    start = _cue_time(parts[0], line_no, fmt)
    end_field = parts[1].strip().split()
    if not end_field:
        raise TranscriptError("the cue has no end time", line_no, f"'--> 00:00:04{sep}000'")
    end = _cue_time(end_field[0], line_no, fmt)
    if end < start:
        raise TranscriptError(
            f"the cue ends ({format_clock(end)}) before it starts ({format_clock(start)})",
            line_no,
            "an end time after the start time",
        )
    return start, end


def _cue_segments(lines: list[tuple[int, str]]) -> list[tuple[str | None, str, int]]:
    """Split a cue's text lines into (speaker or None, text, line) segments."""
    segs: list[tuple[str | None, str, int]] = []
    for line_no, raw in lines:
        voice = _VOICE_RE.search(raw)
        speaker: str | None = None
        text = raw
        if voice:
            speaker = voice.group("name").strip()
            text = raw[voice.end() :]
        text = html.unescape(_TAG_RE.sub("", text)).strip()
        if speaker is None:
            labelled = _split_label(text)
            bracket = _BRACKET_SPEAKER_RE.match(text) if labelled is None else None
            if labelled:
                speaker, text = labelled
            elif bracket:
                speaker, text = bracket.group("label").strip(), bracket.group("rest")
        text = text.lstrip("-–— ").strip() if speaker is None else text.strip()
        if not text:
            continue
        if speaker is None and segs:
            prev_speaker, prev_text, prev_line = segs[-1]
            segs[-1] = (prev_speaker, f"{prev_text} {text}", prev_line)
        else:
            segs.append((speaker, text, line_no))
    return segs


def _parse_cues(text: str, fmt: str) -> list[_Turn]:
    lines = text.split("\n")
    n = len(lines)
    i = 0
    if fmt == "webvtt":
        if not lines or not lines[0].strip().startswith("WEBVTT"):
            raise TranscriptError("this is not a WebVTT file", 1, "'WEBVTT' on the first line")
        while i < n and lines[i].strip():  # the header runs to the first blank line
            i += 1
    turns: list[_Turn] = []
    last_speaker: str | None = None
    cues = 0
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        block: list[tuple[int, str]] = []
        while i < n and lines[i].strip():
            block.append((i + 1, lines[i]))
            i += 1
        first_no, first = block[0]
        if fmt == "webvtt" and re.match(r"^(NOTE|STYLE|REGION)\b", first.strip()):
            continue
        if fmt == "srt":
            if not first.strip().isdigit():
                raise TranscriptError(
                    f"expected a cue number, found {first.strip()[:40]!r}",
                    first_no,
                    "a number on the first line of each SRT block",
                )
            body = block[1:]
            if not body:
                raise TranscriptError(
                    "the cue has no timing line", first_no + 1, "'00:00:01,000 --> 00:00:04,000'"
                )
        else:
            looks_timed = re.match(r"^\s*\d[\d:.,]*\s*-+>?", first) is not None
            body = block if "-->" in first or looks_timed else block[1:]
            if not body:
                raise TranscriptError(
                    f"the cue {first.strip()[:40]!r} has no timing line",
                    first_no + 1,
                    "'00:00:01.000 --> 00:00:04.000'",
                )
        timing_no, timing_line = body[0]
        start, end = _timing(timing_line, timing_no, fmt)
        cues += 1
        for speaker, seg_text, seg_line in _cue_segments(body[1:]):
            if speaker is None:
                if last_speaker is None:
                    raise TranscriptError(
                        "the first cue has no speaker",
                        seg_line,
                        "a voice tag like '<v Therapist>' or a 'Name:' prefix",
                    )
                speaker = last_speaker
            if turns and turns[-1].speaker == speaker:
                prev = turns[-1]
                gap = start - (prev.end if prev.end is not None else start)
                if gap >= MERGED_GAP_AS_PAUSE:
                    prev.extra_pauses.append(round(gap, 3))
                prev.text.append(seg_text)
                prev.end = max(end, prev.end or end)
            else:
                turns.append(_Turn(speaker, [seg_text], seg_line, start=start, end=end))
            last_speaker = speaker
    if cues == 0:
        raise TranscriptError(
            "no cues found", len(lines), "cues with a timing line like '00:00:01.000 --> ...'"
        )
    if not turns:
        raise TranscriptError("the cues hold no text", len(lines), "text lines under each timing")
    return turns


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------
_CSV_COLUMNS = {
    "speaker": ("speaker", "interlocutor", "name", "role", "sprecher", "sprecherin", "who"),
    "text": ("text", "utterance", "utterance_text", "content", "transcript", "line", "message"),
    "start": ("start", "time", "timestamp", "begin", "start_time", "zeit", "von"),
    "end": ("end", "stop", "end_time", "bis"),
}


def _csv_dialect(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _parse_csv(text: str) -> list[_Turn]:
    delimiter = _csv_dialect(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TranscriptError("the CSV file is empty", 1, "a header row") from None
    names = [h.strip().lower() for h in header]
    cols: dict[str, int] = {}
    for key, aliases in _CSV_COLUMNS.items():
        for alias in aliases:
            if alias in names:
                cols[key] = names.index(alias)
                break
    missing = [k for k in ("speaker", "text") if k not in cols]
    if missing:
        raise TranscriptError(
            f"the header row has no {' or '.join(missing)} column (found: {', '.join(header)})",
            1,
            "a header with 'speaker' and 'text' columns, and optionally 'start' and 'end'",
        )
    turns: list[_Turn] = []
    line_no = reader.line_num
    while True:
        row_line = line_no + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise TranscriptError(
                f"unreadable CSV row ({exc})", row_line, "well-quoted fields"
            ) from None
        line_no = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise TranscriptError(
                f"the row has {len(row)} fields but the header has {len(header)}",
                row_line,
                f"{len(header)} fields separated by {delimiter!r}",
            )
        speaker = row[cols["speaker"]].strip()
        body = row[cols["text"]].strip()
        if not speaker:
            raise TranscriptError("the speaker is empty", row_line, "a speaker name or label")
        if not body:
            raise TranscriptError("the text is empty", row_line, "the words spoken")
        times: dict[str, float | None] = {}
        for key in ("start", "end"):
            if key in cols and row[cols[key]].strip():
                value = parse_clock(row[cols[key]])
                if value is None:
                    raise TranscriptError(
                        f"cannot read the {key} time {row[cols[key]].strip()!r}",
                        row_line,
                        "hh:mm:ss, mm:ss or seconds",
                    )
                times[key] = value
        turns.append(_Turn(speaker, [body], row_line, times.get("start"), times.get("end")))
    if not turns:
        raise TranscriptError("the CSV file has no rows under its header", 2, "one row per turn")
    return turns


# --------------------------------------------------------------------------------------
# detection and the entry point
# --------------------------------------------------------------------------------------
def _normalise(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TranscriptError(
                "the file is not UTF-8 text", None, "a UTF-8 encoded text file"
            ) from None
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def detect_format(text: str | bytes) -> str:
    """Guess the format of a transcript: one of ``FORMATS``."""
    text = _normalise(text)
    stripped = text.lstrip()
    if stripped.startswith("WEBVTT"):
        return "webvtt"
    first_lines = [ln.strip() for ln in stripped.split("\n")[:3]]
    if (
        len(first_lines) >= 2
        and first_lines[0].isdigit()
        and "-->" in first_lines[1]
        or re.search(r"^\d{1,2}:\d{2}:\d{2},\d{3}\s*-->", text, re.MULTILINE)
    ):
        return "srt"
    if _DP_STAMP_RE.search(text):
        return "dresing_pehl"
    header = stripped.split("\n", 1)[0].lower()
    delimiter = _csv_dialect(stripped)
    fields = {f.strip().strip('"').lower() for f in header.split(delimiter)}
    if (
        delimiter in header
        and fields & set(_CSV_COLUMNS["speaker"])
        and fields & set(_CSV_COLUMNS["text"])
    ):
        return "csv"
    return "plain"


def parse_transcript(
    text: str | bytes,
    format: str | None = None,
    speaker_map: Mapping[str, str] | None = None,
) -> Transcript:
    """Parse a transcript and give each speaker a role.

    Parameters
    ----------
    text
        The file's content (``bytes`` are read as UTF-8).
    format
        One of ``dresing_pehl``, ``webvtt``, ``srt``, ``plain``, ``csv``; detected when None.
    speaker_map
        Label → role (``practitioner``, ``client``, ``interpreter``, ``other``) overriding
        the automatic guess for those labels.
    """
    text = _normalise(text)
    if not text.strip():
        raise TranscriptError("the transcript is empty", 1, "at least one speaker turn")
    fmt = (format or detect_format(text)).strip().lower().replace("-", "_")
    aliases = {"vtt": "webvtt", "dp": "dresing_pehl", "txt": "plain", "text": "plain"}
    fmt = aliases.get(fmt, fmt)
    if fmt not in FORMATS:
        raise TranscriptError(f"unknown format {format!r}", None, "one of " + ", ".join(FORMATS))
    if fmt in ("dresing_pehl", "plain"):
        turns = _parse_labelled(text, fmt)
    elif fmt in ("webvtt", "srt"):
        turns = _parse_cues(text, fmt)
    else:
        turns = _parse_csv(text)

    questions: dict[str, list[int]] = {}
    for t in turns:
        asked = 1 if " ".join(t.text).rstrip().endswith("?") else 0
        questions.setdefault(t.speaker, []).append(asked)
    q_share = {s: sum(v) / len(v) for s, v in questions.items()}
    roles, guessed = apply_speaker_map(guess_roles(questions, q_share), speaker_map)

    utterances = []
    for i, t in enumerate(turns):
        body = re.sub(r"\s+", " ", " ".join(t.text)).strip()
        pauses: list[float | None] = [*t.extra_pauses, *pauses_in(body)]
        utterances.append(
            Utterance(
                index=i,
                speaker=t.speaker,
                role=roles[t.speaker],
                text=body,
                start=t.start,
                end=t.end,
                line=t.line,
                pauses=tuple(pauses),
                unclear=unclear_in(body),
            )
        )
    return Transcript(tuple(utterances), fmt, roles, guessed)


def remap_speakers(transcript: Transcript, speaker_map: Mapping[str, str]) -> Transcript:
    """Return ``transcript`` with the user's roles for the labels in ``speaker_map``."""
    roles, guessed = apply_speaker_map(transcript.speakers, speaker_map)
    for label, flag in transcript.roles_guessed.items():
        if label not in speaker_map and label in guessed:
            guessed[label] = flag
    utterances = tuple(replace(u, role=roles[u.speaker]) for u in transcript.utterances)
    return Transcript(utterances, transcript.format, roles, guessed)
