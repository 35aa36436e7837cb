"""What measures adds to each episode's summary (`practice.summaries`): the client's recent
Alliance Check totals (the caseload's sparkline) and the critical answers not yet reviewed."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from alliance.web.measures.models import MeasureResponse, Rater

RECENT_INSTRUMENT = "alliance-check"
RECENT_SESSIONS = 12
# What answers_part stores, with each field's value for an episode without answers.
ANSWER_FIELDS: dict[str, Any] = {"alliance_recent": [], "critical_open": 0}


def answers_part(episode_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Return {episode id: {"alliance_recent": [...], "critical_open": n}} in one query."""
    rows = (
        MeasureResponse.objects.filter(session__episode_id__in=episode_ids)
        .filter(
            Q(instrument_id=RECENT_INSTRUMENT, rater=Rater.CLIENT, total__isnull=False)
            | Q(critical=True, critical_acknowledged_at__isnull=True)
        )
        .order_by("session__episode_id", "session__number")
        .values_list(
            "session__episode_id",
            "instrument_id",
            "rater",
            "total",
            "critical",
            "critical_acknowledged_at",
        )
    )
    out: dict[int, dict[str, Any]] = {}
    for episode_id, instrument_id, rater, total, critical, acknowledged in rows:
        part = out.setdefault(episode_id, {"alliance_recent": [], "critical_open": 0})
        if instrument_id == RECENT_INSTRUMENT and rater == Rater.CLIENT and total is not None:
            part["alliance_recent"].append(total)
        if critical and acknowledged is None:
            part["critical_open"] += 1
    for part in out.values():
        part["alliance_recent"] = part["alliance_recent"][-RECENT_SESSIONS:]
    return out
