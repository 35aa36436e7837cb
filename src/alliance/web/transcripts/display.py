"""Shape a stored analysis for the transcript page: labels, clock times and bar widths."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from alliance.transcripts.textutil import format_clock
from alliance.web.transcripts.models import RuptureCandidateDecision, SpeakerRole

CODE_LABELS = {
    "question": _("Question"),
    "reflection": _("Reflection"),
    "therapist_input": _("Input"),
    "other": _("Other"),
    "change": _("Change talk"),
    "neutral": _("Neutral"),
    "sustain": _("Sustain talk"),
}
MARKER_LABELS = {
    "minimal_response": _("Minimal response"),
    "denial": _("Denial"),
    "topic_shift": _("Shifting topic"),
    "abstract_talk": _("Abstract talk"),
    "deferential": _("Deferential, appeasing"),
    "complaint_practitioner": _("Complaint about the practitioner"),
    "complaint_work": _("Complaint about the work or its progress"),
    "rejecting_intervention": _("Rejecting an intervention"),
    "pressing_control": _("Pressing to control"),
}
CATEGORY_LABELS = {"withdrawal": _("Withdrawal"), "confrontation": _("Confrontation")}
ROLE_LABELS = dict(SpeakerRole.choices)


def _pct(share: float | None) -> int:
    return round(100 * share) if share else 0


def _bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    total = sum(counts.values())
    return [
        {
            "code": code,
            "label": CODE_LABELS.get(code, code),
            "count": n,
            "pct": round(100 * n / total) if total else 0,
        }
        for code, n in counts.items()
    ]


def transcript_page(
    analysis: dict[str, Any], decisions: Iterable[RuptureCandidateDecision]
) -> dict[str, object]:
    """Return the speakers, turns, candidates and summary figures the template shows."""
    decided = {(d.utterance_index, d.marker): d for d in decisions}
    candidates = []
    per_turn: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for position, c in enumerate(analysis.get("candidates", [])):
        item = {
            **c,
            "position": position,
            "label": MARKER_LABELS.get(c["marker"], c["marker"]),
            "category_label": CATEGORY_LABELS.get(c["category"], c["category"]),
            "confidence_pct": _pct(c.get("confidence")),
            "clock": c.get("timestamp") or format_clock(c.get("time")),
            "decision": decided.get((c["index"], c["marker"])),
        }
        candidates.append(item)
        per_turn[c["index"]].append(item)
    turns = [
        {
            **u,
            "role_label": ROLE_LABELS.get(u["role"], u["role"]),
            # The turn's start; a turn whose start is unknown (the first Dresing & Pehl turn
            # has only its closing stamp) shows "until" its end, never the end as its start:
            # that made it show the same time as the next turn, which starts there.
            "clock": format_clock(u.get("start")),
            "clock_until": format_clock(u.get("end")) if u.get("start") is None else None,
            "code_label": CODE_LABELS.get(u.get("code") or "", ""),
            "confidence_pct": _pct(u.get("confidence")),
            "candidates": per_turn.get(u["index"], []),
        }
        for u in analysis.get("utterances", [])
    ]
    summary = analysis.get("summary", {})
    speakers = [
        {
            **s,
            "role_label": ROLE_LABELS.get(s["role"], s["role"]),
            "word_pct": _pct(s["word_share"]),
            "turn_pct": _pct(s["turn_share"]),
        }
        for s in summary.get("speakers", [])
    ]
    pauses = [{**p, "clock": format_clock(p.get("time"))} for p in summary.get("long_pauses", [])]
    return {
        "speakers": speakers,
        "turns": turns,
        "candidates": candidates,
        "pending": sum(1 for c in candidates if c["decision"] is None),
        "summary": summary,
        "duration": format_clock(summary.get("duration_seconds")),
        "interpreter_pct": _pct(summary.get("interpreter_word_share")),
        "therapist_bars": _bars(summary.get("therapist_codes", {})),
        "client_bars": _bars(summary.get("client_codes", {})),
        "open_question_pct": _pct(summary.get("open_question_share")),
        "change_talk_pct": _pct(summary.get("change_talk_share")),
        "pauses": pauses,
        "guessed_roles": any(s.get("guessed") for s in analysis.get("speakers", [])),
        # Analyses stored before issue 12 have no "coded" key: they were coded.
        "coded": analysis.get("coded", True),
        "notice": analysis.get("notice"),
    }
