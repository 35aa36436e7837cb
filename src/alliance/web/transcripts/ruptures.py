"""Confirmed transcript rupture moments as plain rows, for the monitoring engine.

The rows fit `alliance.monitoring.tidy.prepare_transcript_ruptures`: ``marker`` is the 3RS
category (withdrawal or confrontation) and ``moment`` the time stamp of the turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from alliance.web.practice.models import Episode
from alliance.web.transcripts.models import Decision, RuptureCandidateDecision


def confirmed_transcript_ruptures(
    episode_or_queryset: Episode | QuerySet[Episode] | Iterable[Episode],
) -> list[dict[str, Any]]:
    """Return the confirmed transcript rupture moments of one episode or of many.

    Each row: ``episode`` (public id as text), ``session`` (number), ``time`` (seconds from
    the start of the recording, None when the transcript has no times), ``moment`` (the
    time as hh:mm:ss, else "turn N"), ``marker`` (withdrawal/confrontation), ``marker_type``
    (the 3RS marker, e.g. complaint_work) and ``decided_at``. Sorted by episode, session
    and turn. The caller scopes the episodes (e.g. with ``episodes_for_user``).
    """
    condition: dict[str, object]
    if isinstance(episode_or_queryset, Episode):
        condition = {"session__episode": episode_or_queryset}
    elif isinstance(episode_or_queryset, QuerySet):
        condition = {"session__episode__in": episode_or_queryset.values("id")}
    else:
        condition = {"session__episode__in": [e.pk for e in episode_or_queryset]}
    rows = (
        RuptureCandidateDecision.objects.filter(decision=Decision.CONFIRMED, **condition)
        .order_by("session__episode_id", "session__number", "utterance_index")
        .values_list(
            "session__episode__public_id",
            "session__number",
            "utterance_time",
            "timestamp",
            "utterance_index",
            "category",
            "marker",
            "decided_at",
        )
    )
    return [
        {
            "episode": str(episode),
            "session": number,
            "time": time,
            "moment": stamp or f"turn {index + 1}",
            "marker": category,
            "marker_type": marker,
            "decided_at": decided_at,
        }
        for episode, number, time, stamp, index, category, marker, decided_at in rows
    ]
