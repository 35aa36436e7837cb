"""Alerts raised by the monitoring engine, the practice's monitoring settings, fitted models.

Every table carries `organisation` so that a large deployment can shard by organisation.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.monitoring import DEFAULT_SETTINGS, PracticeNorms, RecoveryModel
from alliance.monitoring import MonitoringSettings as EngineSettings
from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedTextField


class AlertType(models.TextChoices):
    CRITICAL = "critical", _("Critical answer")
    RUPTURE = "rupture", _("Alliance rupture")
    NOT_ON_TRACK = "not_on_track", _("Not on track")
    LOW_ALLIANCE = "low_alliance", _("Low alliance")
    EARLY_ALLIANCE = "early_alliance", _("Weak early alliance")
    DISAGREEMENT = "disagreement", _("You and the client disagree")
    MISSING_CHECKS = "missing_checks", _("Checks unanswered")


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SNOOZED = "snoozed", _("Snoozed")
    RESOLVED = "resolved", _("Resolved")


class ResolvedBy(models.TextChoices):
    PRACTITIONER = "practitioner", _("Resolved by the practitioner")
    SIGNAL = "signal", _("Resolved by the data (repaired, back on track, answered)")


# Inbox order: critical first, then the caseload's risk order (issue 4).
TYPE_PRIORITY = {t.value: i for i, t in enumerate(AlertType)}


class Alert(OrganisationRecord):
    """One signal of the monitoring engine in a practitioner's inbox, de-duplicated by `key`.

    `signal_state` is what the data say (open, repaired, unrepaired, resolved); `state` is
    what the practitioner did with it.
    """

    episode = models.ForeignKey("practice.Episode", on_delete=models.CASCADE, related_name="alerts")
    type = models.CharField(max_length=20, choices=AlertType.choices)
    key = models.CharField(max_length=255, help_text="The engine's de-duplication key.")
    session_number = models.PositiveIntegerField(null=True, blank=True)
    instrument_id = models.CharField(max_length=64, blank=True)
    severity = models.CharField(max_length=10)
    method = models.CharField(max_length=120, blank=True)
    evidence = models.JSONField(default=dict)
    signal_state = models.CharField(max_length=12, default="open")
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snooze_reason = EncryptedTextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=12, choices=ResolvedBy.choices, blank=True)
    resolved_note = EncryptedTextField(blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who last acknowledged, snoozed or resolved it.",
    )
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    reopened_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="alert_key_unique_per_organisation"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "state"], name="alert_org_state"),
            models.Index(fields=["episode", "state"], name="alert_episode_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · session {self.session_number}"

    @property
    def is_critical(self) -> bool:
        return self.type == AlertType.CRITICAL

    @property
    def is_information(self) -> bool:
        """Information (client page and caseload only), not an inbox alert: a signal that is
        relative to the practice, such as an early alliance in its lowest quarter."""
        return self.severity == INFORMATION

    @property
    def can_snooze(self) -> bool:
        """Critical answers are never snoozable."""
        return not self.is_critical and self.state != AlertState.RESOLVED

    def effective_state(self, now: dt.datetime | None = None) -> str:
        """Return the state, with a snooze that has run out counted as open."""
        now = now or timezone.now()
        if self.state == AlertState.SNOOZED and (
            self.snoozed_until is None or self.snoozed_until <= now
        ):
            return AlertState.OPEN
        return self.state

    @property
    def priority(self) -> tuple[int, int]:
        return (TYPE_PRIORITY.get(self.type, 99), -(self.session_number or 0))


INFORMATION = "info"
"""Severity of a stored signal that is information, not an alert (see ``is_information``)."""


class PracticeMonitoringSettings(models.Model):
    """A practice's monitoring thresholds (only the values that differ from the defaults).

    Not the engine's `alliance.monitoring.MonitoringSettings`, which `engine_settings` builds
    from this row; the table keeps the name it had under the model's former, clashing name.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="monitoring_settings"
    )
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text="Overrides of alliance.monitoring.MonitoringSettings; empty means the defaults.",
    )
    inbox_cap = models.PositiveSmallIntegerField(
        default=10,
        help_text="Alerts shown in full in the inbox and listed in the digest; the rest are summarised.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "insights_monitoringsettings"
        verbose_name = "monitoring settings"
        verbose_name_plural = "monitoring settings"

    def __str__(self) -> str:
        return f"monitoring settings of {self.organisation}"

    def engine_settings(self) -> EngineSettings:
        """Return the engine's settings: the defaults with this practice's overrides."""
        if not self.settings:
            return DEFAULT_SETTINGS
        return EngineSettings.from_dict(self.settings)


class StoredNorms(models.Model):
    """The practice norms (pooled SD, early percentile) of the last batch run."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict)
    n_episodes = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"norms of organisation {self.organisation_id}"

    def norms(self) -> PracticeNorms:
        return PracticeNorms.from_json(self.data)


class StoredRecoveryModel(models.Model):
    """An expected-recovery corridor fitted on the practice's completed episodes."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    instrument_id = models.CharField(max_length=64)
    data = models.JSONField()
    fitted_at = models.DateTimeField()
    n_episodes = models.PositiveIntegerField()
    n_observations = models.PositiveIntegerField()

    class Meta:
        ordering = ["instrument_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "instrument_id"],
                name="recovery_model_unique_per_instrument",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} corridor ({self.n_episodes} episodes)"

    def model(self) -> RecoveryModel:
        return RecoveryModel.from_json(self.data)


class DigestRecord(models.Model):
    """When a practitioner was last sent the daily alert digest."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    alert_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["user", "sent_at"], name="digest_user_sent")]

    def __str__(self) -> str:
        return f"digest to {self.user_id} at {self.sent_at}"
