"""The named interface through which other features read what was answered.

Monitoring draws alert charts and runs the engine on the scores, the client portal shows the
client their own trends, research builds its consented dataset, and the right of access
exports every answer as FHIR. None of them imports the measures models: they ask here and get
plain rows (tuples, strings, numbers, dicts), so measures can change how it stores answers
without touching them (docs/architecture.md). Each function is one query; the caller scopes
the organisation, episodes or client it passes (with the access functions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from alliance.interop.fhir import FhirError
from alliance.web.measures.fhir import response_to_fhir
from alliance.web.measures.models import Check, HeldAnswers, MeasureResponse, Rater

__all__ = [
    "Rater",
    "check_states",
    "client_fhir_resources",
    "client_totals",
    "held_critical_answers",
    "instruments_answered",
    "mark_critical_reviewed",
    "monitoring_rows",
    "open_check_tokens",
    "research_rows",
    "totals_by_session",
]

# A scope for the monitoring reads: one organisation, or one episode.
Scope = dict[str, Any]


def _scoped(scope: Scope) -> dict[str, Any]:
    if set(scope) == {"organisation"}:
        return {"organisation": scope["organisation"]}
    if set(scope) == {"episode"}:
        return {"session__episode": scope["episode"]}
    raise ValueError(f"a scope is an organisation or an episode, not {sorted(scope)}")


def totals_by_session(
    episode_ids: Collection[int], instruments: Collection[str], *, rater: str | None = None
) -> list[tuple[int, str, str, int, float]]:
    """Return ``(episode id, instrument, rater, session number, total)`` of scored answers.

    In session order; `rater` (e.g. ``Rater.CLIENT``) keeps one rater's answers only.
    """
    if not episode_ids or not instruments:
        return []
    responses = MeasureResponse.objects.filter(
        session__episode_id__in=list(episode_ids),
        instrument_id__in=list(instruments),
        total__isnull=False,
    )
    if rater is not None:
        responses = responses.filter(rater=rater)
    rows = responses.order_by("session__number").values_list(
        "session__episode_id", "instrument_id", "rater", "session__number", "total"
    )
    return [(e, i, r, n, t) for e, i, r, n, t in rows if t is not None]  # None filtered above


def mark_critical_reviewed(
    episode_id: int, session_number: int, instrument_id: str, when: dt.datetime
) -> int:
    """Mark a session's unreviewed critical answers to one instrument as reviewed at `when`.

    Returns how many were marked. The caller refreshes the episode's summary in its
    transaction (the caseload's critical flag).
    """
    return MeasureResponse.objects.filter(
        session__episode_id=episode_id,
        session__number=session_number,
        instrument_id=instrument_id,
        critical=True,
        critical_acknowledged_at__isnull=True,
    ).update(critical_acknowledged_at=when)


def monitoring_rows(scope: Scope) -> Iterable[tuple]:
    """Return every answer in `scope` as a tuple.

    ``(episode public id, session number, session start, session phase, episode end (None
    while it runs), instrument, rater, total, subscales, answers, critical, critical answer
    reviewed at)``; ``subscales`` and ``answers`` are dicts (or None).
    """
    return MeasureResponse.objects.filter(**_scoped(scope)).values_list(
        "session__episode__public_id",
        "session__number",
        "session__starts_at",
        "session__phase",
        "session__episode__ended_on",
        "instrument_id",
        "rater",
        "total",
        "subscales",
        "answers",
        "critical",
        "critical_acknowledged_at",
    )


def check_states(scope: Scope) -> Iterable[tuple]:
    """Return ``(episode public id, session number, completed, revoked, expires)`` per check."""
    return Check.objects.filter(**_scoped(scope)).values_list(
        "session__episode__public_id", "session__number", "completed_at", "revoked_at", "expires_at"
    )


def held_critical_answers(scope: Scope) -> list[tuple[Any, ...]]:
    """Return the check answers kept aside (not stored as responses) that hold a critical item.

    ``(episode public id, session number, session start, session phase, episode end,
    {instrument: {item: value}}, resolved at)``; the client gave them, through a check link.
    """
    return list(
        HeldAnswers.objects.filter(critical=True, **_scoped(scope)).values_list(
            "session__episode__public_id",
            "session__number",
            "session__starts_at",
            "session__phase",
            "session__episode__ended_on",
            "answers",
            "resolved_at",
        )
    )


def client_totals(client: Any, instruments: Collection[str]) -> list[tuple[str, float, bool]]:
    """Return ``(instrument, total, critical)`` of the client's own scored answers, oldest first.

    ``critical``: the answer held a critical item (e.g. PHQ-9's item 9 above zero).
    """
    rows = (
        MeasureResponse.objects.filter(
            session__episode__client=client,
            rater=Rater.CLIENT,
            instrument_id__in=list(instruments),
            total__isnull=False,
        )
        .order_by("session__starts_at", "id")
        .values_list("instrument_id", "total", "critical")
    )
    return [(i, t, c) for i, t, c in rows if t is not None]  # None filtered above


def open_check_tokens(client: Any) -> list[tuple[str, dt.datetime]]:
    """Return ``(token, expires at)`` of the client's checks that can still be answered."""
    return list(
        Check.objects.filter(
            session__episode__client=client,
            completed_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("token", "expires_at")
    )


def instruments_answered(organisation: Any, client_ids: QuerySet | Iterable[int]) -> list[str]:
    """Return the sorted instrument ids with answers from these clients of `organisation`."""
    ids = (
        MeasureResponse.objects.filter(
            organisation=organisation, session__episode__client_id__in=client_ids
        )
        .values_list("instrument_id", flat=True)
        .distinct()
    )
    return sorted(set(ids))


def research_rows(
    organisation: Any,
    client_ids: QuerySet | Iterable[int],
    *,
    instruments: Collection[str] | None = None,
    services: Collection[str] | None = None,
) -> Iterator[tuple]:
    """Yield every answer of these clients as a tuple, in stored order.

    ``(client key, episode key, practitioner key, episode start, session number, session
    start, instrument, rater, answers, total, subscales, service, session format, interpreter
    present, mandated, session phase)``. Keys are public ids; never the clinic's client code, never free text. Streamed in chunks,
    so a large practice is not held in memory twice.
    """
    responses = MeasureResponse.objects.filter(
        organisation=organisation,
        session__episode__organisation=organisation,
        session__episode__client_id__in=client_ids,
    )
    if instruments:
        responses = responses.filter(instrument_id__in=list(instruments))
    if services:
        responses = responses.filter(session__episode__service__in=list(services))
    return (
        responses.order_by("id")
        .values_list(
            "session__episode__client__public_id",
            "session__episode__public_id",
            "session__episode__practitioner__public_id",
            "session__episode__started_on",
            "session__number",
            "session__starts_at",
            "instrument_id",
            "rater",
            "answers",
            "total",
            "subscales",
            "session__episode__service",
            "session__format",
            "session__interpreter_present",
            "session__episode__mandated",
            "session__phase",
        )
        .iterator(chunk_size=2000)
    )


def client_fhir_resources(client: Any) -> tuple[list[dict], list[dict]]:
    """Return the client's answers as FHIR QuestionnaireResponses, and those that could not be.

    Oldest episode first. Each one left out is ``{"response": public id, "reason": why}``.
    """
    resources: list[dict] = []
    skipped: list[dict] = []
    responses = (
        MeasureResponse.objects.filter(session__episode__client=client)
        .select_related("session__episode__client")
        .order_by("session__episode__started_on", "session__number", "instrument_id", "id")
    )
    for response in responses:
        try:
            resources.append(response_to_fhir(response))
        except (FhirError, KeyError, ValueError) as exc:
            skipped.append({"response": str(response.public_id), "reason": str(exc)})
    return resources, skipped
