"""Transcripts: parsers, talk analytics, MI classifiers and rupture candidates (no Django).

>>> from alliance.transcripts import analyze_transcript
>>> result = analyze_transcript("T: What brings you here?\nC: My wife sent me.")
>>> result.summary.questions
1
"""

from alliance.transcripts.analysis import TranscriptAnalysis, analyze_transcript, code_utterances
from alliance.transcripts.analytics import Pause, SpeakerStats, TalkSummary, summarise
from alliance.transcripts.model import FORMATS, ROLES, Transcript, TranscriptError, Utterance
from alliance.transcripts.parsers import detect_format, parse_transcript, remap_speakers
from alliance.transcripts.roles import guess_roles
from alliance.transcripts.ruptures import RuptureCandidate, find_rupture_candidates

__all__ = [
    "FORMATS",
    "ROLES",
    "Pause",
    "RuptureCandidate",
    "SpeakerStats",
    "TalkSummary",
    "Transcript",
    "TranscriptAnalysis",
    "TranscriptError",
    "Utterance",
    "analyze_transcript",
    "code_utterances",
    "detect_format",
    "find_rupture_candidates",
    "guess_roles",
    "parse_transcript",
    "remap_speakers",
    "summarise",
]
