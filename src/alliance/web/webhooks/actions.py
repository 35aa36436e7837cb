"""Side-effecting webhook operations; each writes its audit entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.web.audit.log import record
from alliance.web.webhooks import events
from alliance.web.webhooks.models import (
    Delivery,
    DeliveryStatus,
    Endpoint,
    Event,
    generate_secret,
)


def _check_events(chosen: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(chosen or []))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise ValidationError({"events": f"Events: unknown event(s) {', '.join(unknown)}."})
    if not chosen:
        raise ValidationError({"events": "Events: choose at least one event to send."})
    return chosen


def register_endpoint(actor, *, url: str, events: list[str], description: str = "") -> Endpoint:
    """Create an active endpoint with a new signing secret in the actor's organisation."""
    chosen = _check_events(events)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            organisation=actor.organisation,
            url=url,
            events=chosen,
            description=description,
            secret=generate_secret(),
            created_by=actor,
        )
        record(
            actor,
            "create",
            endpoint,
            summary=f"webhook endpoint registered: {url[:120]} ({', '.join(chosen)})",
        )
    return endpoint


def update_endpoint(
    actor, endpoint: Endpoint, *, url: str, events: list[str], description: str, active: bool
) -> Endpoint:
    """Change an endpoint's URL, events, description or active flag."""
    chosen = _check_events(events)
    changes = [
        name
        for name, new in (
            ("url", url),
            ("events", chosen),
            ("description", description),
            ("active", active),
        )
        if getattr(endpoint, name) != new
    ]
    with transaction.atomic():
        endpoint.url = url
        endpoint.events = chosen
        endpoint.description = description
        endpoint.active = active
        endpoint.save(update_fields=["url", "events", "description", "active", "updated_at"])
        record(
            actor,
            "update",
            endpoint,
            summary="webhook endpoint changed: " + (", ".join(changes) or "nothing"),
        )
    return endpoint


def delete_endpoint(actor, endpoint: Endpoint) -> None:
    """Delete an endpoint and its delivery log."""
    with transaction.atomic():
        record(actor, "delete", endpoint, summary=f"webhook endpoint deleted: {endpoint.url[:120]}")
        endpoint.delete()


def rotate_secret(actor, endpoint: Endpoint) -> str:
    """Give the endpoint a new signing secret and return it (shown once)."""
    secret = generate_secret()
    with transaction.atomic():
        endpoint.secret = secret
        endpoint.save(update_fields=["secret", "updated_at"])
        record(actor, "update", endpoint, summary="webhook signing secret replaced")
    return secret


def send_ping(actor, endpoint: Endpoint) -> Delivery:
    """Queue a test event to the endpoint."""
    if not endpoint.active:
        raise ValidationError("Activate the endpoint before sending it a test event.")
    with transaction.atomic():
        (delivery,) = events.ping(endpoint)
        record(actor, "create", delivery, summary="webhook test event queued")
    return delivery


def redeliver(actor, delivery: Delivery) -> Delivery:
    """Queue the same event (same event id, same payload) again as a new delivery."""
    if delivery.status == DeliveryStatus.PENDING:
        raise ValidationError("This delivery is still being attempted.")
    if not delivery.endpoint.active:
        raise ValidationError("Activate the endpoint before redelivering to it.")
    with transaction.atomic():
        again = Delivery.objects.create(
            organisation=delivery.organisation,
            endpoint=delivery.endpoint,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            payload=delivery.payload,
            next_attempt_at=timezone.now(),
            redelivery_of=delivery,
        )
        events.enqueue_on_commit([again.public_id])
        record(
            actor,
            "create",
            again,
            summary=f"webhook {delivery.event_type} redelivered",
            organisation=delivery.organisation,
        )
    return again
