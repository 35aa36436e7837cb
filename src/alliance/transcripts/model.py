"""Plain data types shared by the transcript parsers, analytics and classifiers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from alliance.transcripts.textutil import count_words

ROLES = ("practitioner", "client", "interpreter", "other")
FORMATS = ("dresing_pehl", "webvtt", "srt", "plain", "csv")


class TranscriptError(ValueError):
    """A transcript could not be read; ``line`` is 1-based (None when not tied to a line)."""

    def __init__(self, message: str, line: int | None = None, expected: str | None = None):
        self.line = line
        self.expected = expected
        self.reason = message
        text = message
        if expected:
            text = f"{text}; expected {expected}"
        if line is not None:
            text = f"line {line}: {text}"
        super().__init__(text)


@dataclass(frozen=True)
class Utterance:
    """One speaker turn.

    ``start``/``end`` are seconds from the start of the recording, None when the source has
    no time for them. ``pauses`` holds one entry per pause in or before the turn: a pause
    marker such as ``(...)`` (None: length unknown) or ``(5)`` (5 seconds), or a silence
    between merged subtitle cues. ``unclear`` counts ``(unv.)``/``(unclear)`` markers.
    ``code`` is the classifier's label (therapist behaviour for practitioners, talk type for
    clients) with its probability in ``confidence``.
    """

    index: int
    speaker: str
    role: str
    text: str
    start: float | None = None
    end: float | None = None
    line: int | None = None
    pauses: tuple[float | None, ...] = ()
    unclear: int = 0
    code: str | None = None
    confidence: float | None = None
    open_question: bool | None = None

    @property
    def words(self) -> int:
        """Number of words, with transcription markers such as ``(...)`` left out."""

        return count_words(self.text)

    @property
    def time(self) -> float | None:
        """The best single time for the turn: its start, else its end."""
        return self.start if self.start is not None else self.end

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["pauses"] = list(self.pauses)
        out["words"] = self.words
        return out


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript: utterances in order, the format read and the speaker roles."""

    utterances: tuple[Utterance, ...]
    format: str
    speakers: dict[str, str] = field(default_factory=dict)
    roles_guessed: dict[str, bool] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.utterances)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "speakers": [
                {"speaker": s, "role": r, "guessed": self.roles_guessed.get(s, False)}
                for s, r in self.speakers.items()
            ],
            "utterances": [u.to_dict() for u in self.utterances],
        }
