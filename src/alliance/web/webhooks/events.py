"""Turn what happens in a practice into webhook deliveries, sent after the transaction commits.

Payloads carry pseudonymous identifiers and numbers only (public ids, the client code, the
instrument, scores, the alert's type and severity, session numbers): never names, notes,
answers or any other clinical free text. ``emit`` refuses a key it does not know, so a new
field has to be added here, deliberately, before it can leave the building.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from alliance.web.practice.models import Episode
from alliance.web.webhooks.models import PING, Delivery, DeliveryStatus, Endpoint, Event
from alliance.web.webhooks.tasks import deliver_webhook

# Every key a payload's "data" may hold; values must be plain scalars.
ALLOWED_KEYS = frozenset(
    {
        "alert_id",
        "alert_type",
        "severity",
        "state",
        "resolved_by",
        "opened_at",
        "resolved_at",
        "episode_id",
        "session_number",
        "client_code",
        "instrument",
        "response_id",
        "rater",
        "source",
        "score",
        "band",
        "critical",
        "submitted_at",
        "endpoint_id",
        "message",
    }
)
EVENT_TYPES = frozenset({*Event.values, PING})
_SCALARS = (str, int, float, bool, type(None))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def check_data(event_type: str, data: Mapping) -> dict:
    """Return ``data`` as a plain dict, refusing unknown events, keys and nested values."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}")
    unknown = sorted(set(data) - ALLOWED_KEYS)
    if unknown:
        raise ValueError(
            f"webhook payload of {event_type!r} has keys not allowed to leave: {unknown}"
        )
    for key, value in data.items():
        if not isinstance(value, _SCALARS):
            raise ValueError(f"webhook payload key {key!r} must be a plain value")
    return dict(data)


def subscribed_endpoints(organisation, event_type: str) -> list[Endpoint]:
    """Return the organisation's active endpoints that receive ``event_type`` (one query)."""
    if organisation is None:
        return []
    endpoints = Endpoint.objects.filter(organisation=organisation, active=True)
    return [e for e in endpoints if e.subscribes_to(event_type)]


def queue_deliveries(
    organisation, event_type: str, items: Iterable[Mapping], endpoints: list[Endpoint]
) -> list[Delivery]:
    """Create one pending delivery per event and endpoint; enqueue them once committed."""
    now = timezone.now()
    deliveries: list[Delivery] = []
    for data in items:
        clean = check_data(event_type, data)
        event_id = uuid.uuid4()
        payload = {
            "id": str(event_id),
            "type": event_type,
            "created_at": now.isoformat(),
            "organisation": str(organisation.public_id),
            "data": clean,
        }
        deliveries.extend(
            Delivery(
                organisation=organisation,
                endpoint=endpoint,
                event_type=event_type,
                event_id=event_id,
                payload=payload,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        )
    if not deliveries:
        return []
    Delivery.objects.bulk_create(deliveries, batch_size=500)
    enqueue_on_commit([d.public_id for d in deliveries])
    return deliveries


def enqueue_on_commit(delivery_ids: list[uuid.UUID], attempt: int = 1) -> None:
    """Hand the deliveries to the task queue once the surrounding transaction commits."""

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            deliver_webhook.enqueue(str(delivery_id), attempt)

    transaction.on_commit(enqueue)


def emit(organisation, event_type: str, data: Mapping) -> list[Delivery]:
    """Queue ``event_type`` with ``data`` for each subscribed active endpoint of the organisation.

    The deliveries are written in the caller's transaction and handed to the task queue on
    commit, so a rolled-back change sends nothing.
    """
    check_data(event_type, data)
    endpoints = subscribed_endpoints(organisation, event_type)
    return queue_deliveries(organisation, event_type, [data], endpoints)


def _emit_lazily(
    organisation, event_type: str, build: Callable[[], list[Mapping]]
) -> list[Delivery]:
    """Like ``emit``, but only build the payloads when someone is listening."""
    endpoints = subscribed_endpoints(organisation, event_type)
    if not endpoints:
        return []
    return queue_deliveries(organisation, event_type, build(), endpoints)


# --------------------------------------------------------------------------- payloads


def alert_data(alert, *, episode_id, client_code: str) -> dict:
    """Return the pseudonymous description of an alert (no evidence, no notes)."""
    return {
        "alert_id": str(alert.public_id),
        "alert_type": alert.type,
        "severity": alert.severity,
        "state": alert.state,
        "resolved_by": alert.resolved_by or None,
        "opened_at": _iso(alert.opened_at),
        "resolved_at": _iso(alert.resolved_at),
        "episode_id": str(episode_id),
        "session_number": alert.session_number,
        "client_code": client_code,
        "instrument": alert.instrument_id or None,
    }


def _episode_codes(episode_ids: Iterable[int]) -> dict[int, tuple[uuid.UUID, str]]:

    rows = Episode.objects.filter(id__in=set(episode_ids)).values_list(
        "id", "public_id", "client__code"
    )
    return {pk: (public_id, code) for pk, public_id, code in rows}


def alerts_opened(organisation, alerts: Iterable) -> list[Delivery]:
    """Emit ``alert.opened`` for each alert (one query for their episodes' client codes)."""
    alerts = list(alerts)
    if not alerts:
        return []

    def build() -> list[Mapping]:
        codes = _episode_codes(a.episode_id for a in alerts)
        return [
            alert_data(a, episode_id=codes[a.episode_id][0], client_code=codes[a.episode_id][1])
            for a in alerts
        ]

    return _emit_lazily(organisation, Event.ALERT_OPENED, build)


def alert_resolved(alert) -> list[Delivery]:
    """Emit ``alert.resolved`` for an alert a practitioner has just resolved."""

    def build() -> list[Mapping]:
        public_id, code = _episode_codes([alert.episode_id])[alert.episode_id]
        return [alert_data(alert, episode_id=public_id, client_code=code)]

    return _emit_lazily(alert.organisation, Event.ALERT_RESOLVED, build)


def listening_to_responses(organisation) -> bool:
    """Return whether any active endpoint of `organisation` receives ``response.received``."""
    return bool(subscribed_endpoints(organisation, "response.received"))


def response_received(response) -> list[Delivery]:
    """Emit ``response.received`` for a stored questionnaire response (score, no answers)."""

    def build() -> list[Mapping]:
        session = response.session
        public_id, code = _episode_codes([session.episode_id])[session.episode_id]
        return [
            {
                "response_id": str(response.public_id),
                "instrument": response.instrument_id,
                "rater": response.rater,
                "source": response.source,
                "score": response.total,
                "band": response.band or None,
                "critical": bool(response.critical),
                "submitted_at": _iso(response.submitted_at),
                "episode_id": str(public_id),
                "session_number": session.number,
                "client_code": code,
            }
        ]

    return _emit_lazily(response.organisation, Event.RESPONSE_RECEIVED, build)


def ping(endpoint: Endpoint) -> list[Delivery]:
    """Queue a ``ping`` to one endpoint, whatever it subscribes to."""
    data = {
        "endpoint_id": str(endpoint.public_id),
        "message": "A test event from Alliance: your endpoint is reachable.",
    }
    return queue_deliveries(endpoint.organisation, PING, [data], [endpoint])
