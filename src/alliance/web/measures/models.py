"""Measurement plans, the client's post-session check, and scored responses."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedCharField


class Schedule(models.TextChoices):
    EVERY_SESSION = "every_session", _("Every session")
    FIRST_SESSION = "first_session", _("First session")
    EVERY_NTH = "every_nth", _("Every Nth session")
    PHASE_CHANGE = "phase_change", _("When the phase changes")
    ENDING = "ending", _("At the ending")


class PlanItem(OrganisationRecord):
    """One line of an episode's measurement plan: which instrument, when."""

    episode = models.ForeignKey(
        "practice.Episode", on_delete=models.CASCADE, related_name="plan_items"
    )
    instrument_id = models.CharField(max_length=64)
    schedule = models.CharField(max_length=20, choices=Schedule.choices)
    every_n = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "instrument_id", "schedule"], name="plan_item_unique_per_episode"
            )
        ]

    def __str__(self) -> str:
        if self.schedule == Schedule.EVERY_NTH:
            return f"{self.instrument_id}: every {self.every_n}th session"
        return f"{self.instrument_id}: {self.get_schedule_display().lower()}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Check(OrganisationRecord):
    """The instruments due after one session, answered by the client through a single-use link.

    Only a hash of the link's token is stored, so a database leak does not open any check.
    """

    session = models.ForeignKey("practice.Session", on_delete=models.CASCADE, related_name="checks")
    instrument_ids = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    # Kept encrypted so the practitioner can show the link again; lookups use the hash.
    token = EncryptedCharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "completed_at", "expires_at"], name="check_open")
        ]

    def __str__(self) -> str:
        return f"check for session {self.session_id}"

    @property
    def state(self) -> str:
        if self.completed_at is not None:
            return "answered"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"

    @property
    def is_open(self) -> bool:
        return self.state == "open"


class Rater(models.TextChoices):
    CLIENT = "client", _("Client")
    PRACTITIONER = "practitioner", _("Practitioner")


class Source(models.TextChoices):
    CHECK = "check", _("Client check")
    PRACTITIONER = "practitioner", _("Practitioner rating")
    IMPORT = "import", _("CSV import")
    FHIR = "fhir", _("FHIR import")


class MeasureResponse(OrganisationRecord):
    """One completed instrument for one session, with its score as computed at submission."""

    session = models.ForeignKey(
        "practice.Session", on_delete=models.CASCADE, related_name="responses"
    )
    check_ref = models.ForeignKey(
        Check, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    instrument_id = models.CharField(max_length=64)
    rater = models.CharField(max_length=20, choices=Rater.choices, default=Rater.CLIENT)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.CHECK)
    answers = models.JSONField(default=dict, help_text="item id → value; null for unanswered")
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict)
    band = models.CharField(max_length=40, blank=True)
    scored = models.BooleanField(default=False)
    missing_items = models.JSONField(default=list)
    critical_items = models.JSONField(default=list)
    critical = models.BooleanField(
        default=False, help_text="A critical answer was given (e.g. PHQ-9 item 9 above 0)."
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    critical_acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session__number", "instrument_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "instrument_id", "rater"],
                name="one_response_per_session_instrument_rater",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "instrument_id"], name="response_org_instrument")
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} for session {self.session_id}"

    @property
    def is_critical(self) -> bool:
        return self.critical


class HeldAnswers(OrganisationRecord):
    """A client's check answers that could not be stored as responses, kept for the practitioner.

    Submitting an open check is never refused: if storing fails unexpectedly (a response of
    the same instrument arrived meanwhile by another path, a database error), the answers are
    kept here, audited, and the practitioner is e-mailed — naming a critical answer if any.
    """

    session = models.ForeignKey(
        "practice.Session", on_delete=models.CASCADE, related_name="held_answers"
    )
    check_ref = models.ForeignKey(
        Check, on_delete=models.SET_NULL, null=True, blank=True, related_name="held_answers"
    )
    answers = models.JSONField(default=dict, help_text="instrument id → item id → value")
    reason = models.CharField(max_length=500)
    critical = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "held answers"

    def __str__(self) -> str:
        return f"held check answers for session {self.session_id}"
