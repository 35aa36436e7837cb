"""Webhook endpoints an organisation registers, and the log of every delivery to them."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedCharField

# Attempts before a delivery is given up, and the wait after each failed attempt.
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (30, 120, 600, 3600, 6 * 3600)
PING = "ping"


class Event(models.TextChoices):
    """The events an endpoint may subscribe to (``ping`` is sent on request only)."""

    ALERT_OPENED = "alert.opened", _("An alert opens")
    ALERT_RESOLVED = "alert.resolved", _("An alert is resolved by a practitioner")
    RESPONSE_RECEIVED = "response.received", _("A questionnaire response is received")


def generate_secret() -> str:
    """Return a new random signing secret (256 bits)."""
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(OrganisationRecord):
    """A URL of the organisation's own systems that receives signed event deliveries."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types this endpoint receives.")
    secret = EncryptedCharField(max_length=200, default=generate_secret)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "active"], name="webhook_org_active")]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in (self.events or [])

    def event_labels(self) -> list[str]:
        labels = dict(Event.choices)
        return [str(labels.get(e, e)) for e in self.events or []]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(OrganisationRecord):
    """One event sent (or being sent) to one endpoint; retried until delivered or failed.

    ``event_id`` stays the same across attempts and redeliveries so that receivers can
    de-duplicate; ``public_id`` is sent as the ``Alliance-Delivery`` header.
    """

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40)
    event_id = models.UUIDField(db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent"),
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"

    @property
    def can_redeliver(self) -> bool:
        return self.status != DeliveryStatus.PENDING

    @property
    def payload_json(self) -> str:
        return json.dumps(self.payload, indent=2, sort_keys=True, ensure_ascii=False)


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery: what came back, or why nothing did."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_attempt_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
