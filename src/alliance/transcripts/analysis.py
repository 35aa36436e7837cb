"""One call from transcript text to coded utterances, a talk summary and rupture candidates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from alliance.transcripts.analytics import LONG_PAUSE_SECONDS, TalkSummary, summarise
from alliance.transcripts.classifiers import load_models
from alliance.transcripts.features import TokenCache
from alliance.transcripts.language import ENGLISH, detect_language
from alliance.transcripts.model import Transcript, Utterance
from alliance.transcripts.parsers import parse_transcript, remap_speakers
from alliance.transcripts.questions import is_open_question
from alliance.transcripts.ruptures import RuptureCandidate, find_rupture_candidates
from alliance.transcripts.textutil import strip_markers


@dataclass(frozen=True)
class TranscriptAnalysis:
    """Everything the transcript view shows: coded turns, summary, rupture candidates."""

    format: str
    speakers: dict[str, str]
    roles_guessed: dict[str, bool]
    utterances: tuple[Utterance, ...]
    summary: TalkSummary
    candidates: tuple[RuptureCandidate, ...]
    model_versions: dict[str, str]
    language: str | None = ENGLISH
    coded: bool = True
    notice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable form."""
        return {
            "format": self.format,
            "speakers": [
                {"speaker": s, "role": r, "guessed": self.roles_guessed.get(s, False)}
                for s, r in self.speakers.items()
            ],
            "utterances": [u.to_dict() for u in self.utterances],
            "summary": self.summary.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
            "model_versions": dict(self.model_versions),
            "language": self.language,
            "coded": self.coded,
            "notice": self.notice,
        }


def code_utterances(
    utterances: tuple[Utterance, ...] | list[Utterance], model_dir: Path | str | None = None
) -> tuple[Utterance, ...]:
    """Attach therapist-behaviour and client-talk codes (and open/closed for questions)."""
    models = load_models(str(model_dir) if model_dir else None)
    texts = [strip_markers(u.text) for u in utterances]
    roles = [u.role for u in utterances]
    codes: dict[int, tuple[str, float]] = {}
    tokens: TokenCache = {}  # n-grams shared by both models
    for model in models.values():
        codes.update(model.code_conversation(texts, roles, tokens))
    out = []
    for pos, u in enumerate(utterances):
        if pos in codes:
            label, p = codes[pos]
            is_open = is_open_question(u.text) if label == "question" else None
            u = replace(u, code=label, confidence=round(p, 4), open_question=is_open)
        out.append(u)
    return tuple(out)


def analyze_transcript(
    text: str | bytes | Transcript,
    format: str | None = None,
    speaker_map: Mapping[str, str] | None = None,
    long_pause: float = LONG_PAUSE_SECONDS,
    model_dir: Path | str | None = None,
) -> TranscriptAnalysis:
    """Parse (unless given a ``Transcript``), code, summarise and flag rupture candidates.

    The motivational-interviewing codes and the rupture-marker rules apply to English only
    (the models were trained on AnnoMI, the rules written in English). A transcript in
    another language (:func:`~alliance.transcripts.language.detect_language`) is parsed and
    its talk balance and pauses summarised, but gets no codes, percentages or candidates;
    ``coded`` is False and ``notice`` says why.

    Raises ``TranscriptError`` (with the line number) when the transcript is malformed.
    """
    if isinstance(text, Transcript):
        transcript = remap_speakers(text, speaker_map) if speaker_map else text
    else:
        transcript = parse_transcript(text, format, speaker_map)
    language = detect_language(u.text for u in transcript.utterances)
    coded = language in (ENGLISH, None)
    models = load_models(str(model_dir) if model_dir else None)
    candidates: tuple[RuptureCandidate, ...]
    notice: str | None
    if language is not None and language != ENGLISH:
        utterances = tuple(transcript.utterances)
        candidates = ()
        notice = NOT_ENGLISH_NOTICE.format(language=LANGUAGE_NAMES.get(language, language))
    else:
        utterances = code_utterances(transcript.utterances, model_dir)
        candidates = tuple(find_rupture_candidates(utterances))
        notice = None
    return TranscriptAnalysis(
        format=transcript.format,
        speakers=dict(transcript.speakers),
        roles_guessed=dict(transcript.roles_guessed),
        utterances=utterances,
        summary=summarise(utterances, long_pause=long_pause),
        candidates=candidates,
        model_versions={name: m.version for name, m in models.items()} if coded else {},
        language=language,
        coded=coded,
        notice=notice,
    )


LANGUAGE_NAMES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
}
NOT_ENGLISH_NOTICE = (
    "This transcript looks {language}. The talk balance and pauses are shown, but no "
    "motivational-interviewing codes, percentages or candidate rupture moments: the models "
    "were trained on English sessions (AnnoMI) and the rupture rules read English wording, "
    "so on another language they would be wrong."
)
