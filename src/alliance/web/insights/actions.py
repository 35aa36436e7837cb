"""What people do with alerts: acknowledge, snooze with a reason, resolve with a note.

Each action writes an audit entry; a critical alert is never snoozed.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.insights.models import Alert, AlertState, AlertType, ResolvedBy
from alliance.web.insights.signals import alert_resolved
from alliance.web.measures import answers
from alliance.web.practice.summaries import refresh_summaries

MAX_SNOOZE = dt.timedelta(days=28)


def _acknowledge_critical_responses(alert: Alert, now: dt.datetime) -> None:
    """Mark the critical answer behind a critical alert as reviewed (the client page's box)."""
    assert alert.session_number is not None  # a critical signal always names its session
    answers.mark_critical_reviewed(alert.episode_id, alert.session_number, alert.instrument_id, now)
    refresh_summaries([alert.episode_id])  # the caseload's critical flag


def acknowledge_alert(actor: User, alert: Alert) -> Alert:
    """Say the alert has been seen; it stays in the inbox until resolved."""
    if alert.state == AlertState.RESOLVED:
        raise ValidationError("This alert is already resolved.")
    now = timezone.now()
    with transaction.atomic():
        alert.state = AlertState.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.snoozed_until = None
        alert.acted_by = actor
        alert.save(
            update_fields=["state", "acknowledged_at", "snoozed_until", "acted_by", "updated_at"]
        )
        if alert.type == AlertType.CRITICAL:
            _acknowledge_critical_responses(alert, now)
        record(actor, "update", alert, summary=f"alert acknowledged: {alert.type}")
    return alert


def snooze_alert(actor: User, alert: Alert, *, reason: str, until: dt.datetime) -> Alert:
    """Hide the alert until `until` (at most four weeks), with a reason. Never for critical."""
    if alert.type == AlertType.CRITICAL:
        raise ValidationError("A critical answer cannot be snoozed.")
    if alert.state == AlertState.RESOLVED:
        raise ValidationError("This alert is already resolved.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you snooze this alert."})
    now = timezone.now()
    if timezone.is_naive(until):
        raise ValidationError({"until": "The snooze end needs a time zone."})
    if until <= now:
        raise ValidationError({"until": "Choose a time in the future."})
    if until > now + MAX_SNOOZE:
        raise ValidationError({"until": "Snooze for four weeks at most."})
    with transaction.atomic():
        alert.state = AlertState.SNOOZED
        alert.snoozed_until = until
        alert.snooze_reason = reason
        alert.acted_by = actor
        alert.save(
            update_fields=["state", "snoozed_until", "snooze_reason", "acted_by", "updated_at"]
        )
        record(
            actor,
            "update",
            alert,
            summary=f"alert snoozed until {timezone.localtime(until):%Y-%m-%d %H:%M}: {alert.type}",
        )
    return alert


def resolve_alert(actor: User, alert: Alert, *, note: str) -> Alert:
    """Close the alert with a note of what was done (kept encrypted)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say briefly what you did about it."})
    if alert.state == AlertState.RESOLVED and alert.resolved_by == ResolvedBy.PRACTITIONER:
        raise ValidationError("This alert is already resolved.")
    now = timezone.now()
    with transaction.atomic():
        alert.state = AlertState.RESOLVED
        alert.resolved_by = ResolvedBy.PRACTITIONER
        alert.resolved_at = now
        alert.resolved_note = note
        alert.snoozed_until = None
        alert.acted_by = actor
        alert.save(
            update_fields=[
                "state",
                "resolved_by",
                "resolved_at",
                "resolved_note",
                "snoozed_until",
                "acted_by",
                "updated_at",
            ]
        )
        if alert.type == AlertType.CRITICAL:
            _acknowledge_critical_responses(alert, now)
        record(actor, "update", alert, summary=f"alert resolved: {alert.type}")

        # Webhooks: `alert.resolved`, sent once the resolution is committed.
        alert_resolved.send(sender=Alert, alert=alert)
    return alert
