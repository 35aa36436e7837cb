"""Talk analytics over a coded transcript.

* Talk balance per speaker: share of words and of turns, mean turn length in words.
* Interpreter share: the interpreter's share of all words, when an interpreter speaks.
* Long pauses: silences between turns of at least ``long_pause`` seconds when start and end
  times allow, and transcribed pause markers (``(...)``, ``(5)``), whose length may be unknown.
* Motivational-interviewing indicators (MITI 4.2.1, Moyers et al. 2016): reflection-to-question
  ratio R:Q (MITI thresholds: fair 1:1, good 2:1) and the share of open questions; client
  change talk and sustain talk counts and the share of change talk, CT / (CT + ST).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

from alliance.transcripts.model import Utterance

LONG_PAUSE_SECONDS = 3.0


@dataclass(frozen=True)
class SpeakerStats:
    speaker: str
    role: str
    turns: int
    words: int
    turn_share: float
    word_share: float
    mean_turn_words: float


@dataclass(frozen=True)
class Pause:
    """A long silence or a pause marker; ``seconds`` is None for an untimed ``(...)``."""

    index: int  # the utterance the pause precedes or sits in
    kind: str  # "gap" (silence between turns) or "marker" (transcribed in the turn)
    seconds: float | None
    time: float | None
    speaker: str | None = None


@dataclass(frozen=True)
class TalkSummary:
    utterances: int
    speakers: tuple[SpeakerStats, ...]
    roles: dict[str, dict[str, float]]
    interpreter_word_share: float | None
    duration_seconds: float | None
    long_pause_threshold: float
    long_pauses: tuple[Pause, ...]
    pause_markers: int
    therapist_codes: dict[str, int]
    questions: int
    open_questions: int
    reflections: int
    reflection_to_question: float | None
    open_question_share: float | None
    client_codes: dict[str, int]
    change_talk: int
    sustain_talk: int
    change_to_sustain: float | None
    change_talk_share: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Tally(TypedDict):
    role: str
    turns: int
    words: int


def _ratio(a: float, b: float, digits: int = 3) -> float | None:
    return round(a / b, digits) if b else None


def summarise(
    utterances: Sequence[Utterance], long_pause: float = LONG_PAUSE_SECONDS
) -> TalkSummary:
    """Summarise talk balance, pauses and MI indicators of coded utterances."""
    total_words = sum(u.words for u in utterances)
    total_turns = len(utterances)
    per: dict[str, _Tally] = {}
    for u in utterances:
        s = per.setdefault(u.speaker, {"role": u.role, "turns": 0, "words": 0})
        s["turns"] += 1
        s["words"] += u.words
    speakers = tuple(
        SpeakerStats(
            speaker=name,
            role=s["role"],
            turns=s["turns"],
            words=s["words"],
            turn_share=round(s["turns"] / total_turns, 4) if total_turns else 0.0,
            word_share=round(s["words"] / total_words, 4) if total_words else 0.0,
            mean_turn_words=round(s["words"] / s["turns"], 2),
        )
        for name, s in per.items()
    )
    roles: dict[str, dict[str, float]] = {}
    for stats in speakers:
        row = roles.setdefault(stats.role, {"turns": 0, "words": 0})
        row["turns"] += stats.turns
        row["words"] += stats.words
    for row in roles.values():
        row["turn_share"] = round(row["turns"] / total_turns, 4) if total_turns else 0.0
        row["word_share"] = round(row["words"] / total_words, 4) if total_words else 0.0
        row["mean_turn_words"] = round(row["words"] / row["turns"], 2) if row["turns"] else 0.0
    interpreter = roles.get("interpreter")
    interpreter_share = interpreter["word_share"] if interpreter else None

    pauses: list[Pause] = []
    markers = 0
    prev: Utterance | None = None
    for u in utterances:
        if prev is not None and prev.end is not None and u.start is not None:
            gap = u.start - prev.end
            if gap >= long_pause:
                pauses.append(Pause(u.index, "gap", round(gap, 3), prev.end, None))
        for p in u.pauses:
            markers += 1
            if p is None or p >= long_pause:
                pauses.append(Pause(u.index, "marker", p, u.time, u.speaker))
        prev = u
    times = [t for u in utterances for t in (u.start, u.end) if t is not None]
    duration = round(max(times) - min(min(times), 0.0), 3) if times else None

    t_codes = {k: 0 for k in ("question", "reflection", "therapist_input", "other")}
    c_codes = {k: 0 for k in ("change", "neutral", "sustain")}
    open_q = 0
    for u in utterances:
        if u.code in t_codes and u.role == "practitioner":
            t_codes[u.code] += 1
            if u.code == "question" and u.open_question:
                open_q += 1
        elif u.code in c_codes and u.role == "client":
            c_codes[u.code] += 1
    q, r = t_codes["question"], t_codes["reflection"]
    ct, st = c_codes["change"], c_codes["sustain"]
    return TalkSummary(
        utterances=total_turns,
        speakers=speakers,
        roles=roles,
        interpreter_word_share=interpreter_share,
        duration_seconds=duration,
        long_pause_threshold=long_pause,
        long_pauses=tuple(pauses),
        pause_markers=markers,
        therapist_codes=t_codes,
        questions=q,
        open_questions=open_q,
        reflections=r,
        reflection_to_question=_ratio(r, q),
        open_question_share=_ratio(open_q, q),
        client_codes=c_codes,
        change_talk=ct,
        sustain_talk=st,
        change_to_sustain=_ratio(ct, st),
        change_talk_share=_ratio(ct, ct + st),
    )
