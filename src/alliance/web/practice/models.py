"""The practice's core records: clients, episodes of care, phase changes and sessions.

Every table carries `organisation` so that a large deployment can shard by organisation.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedCharField, EncryptedTextField
from alliance.web.practice import vocabulary


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non-binary", _("Non-binary")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


class Client(models.Model):
    """A person in care, known by a pseudonymous code; name and contact are optional."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="clients"
    )
    code = models.CharField(max_length=32, help_text=_("Pseudonymous code used everywhere."))
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="clients",
        help_text=_("The practitioner responsible for this client."),
    )
    name = EncryptedCharField(blank=True, max_length=200)
    email = EncryptedCharField(blank=True, max_length=254)
    phone = EncryptedCharField(blank=True, max_length=40)
    preferred_language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    year_of_birth = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="client_code_unique_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Service(models.TextChoices):
    THERAPY = "therapy", _("Therapy")
    COUNSELLING = "counselling", _("Counselling")
    COACHING = "coaching", _("Coaching")


class Phase(models.TextChoices):
    ENGAGEMENT = "engagement", _("Engagement")
    ASSESSMENT = "assessment", _("Assessment & goal setting")
    WORKING = "working", _("Working")
    ENDING = "ending", _("Ending")


PHASE_ORDER = [Phase.ENGAGEMENT, Phase.ASSESSMENT, Phase.WORKING, Phase.ENDING]


class EndingType(models.TextChoices):
    PLANNED = "planned", _("Planned ending")
    UNPLANNED = "unplanned", _("Unplanned ending / drop-out")
    TRANSFERRED = "transferred", _("Transferred")


class Episode(models.Model):
    """One episode of care (therapy, counselling or coaching) moving through four phases."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="episodes"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="episodes")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="episodes"
    )
    service = models.CharField(max_length=20, choices=Service.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.ENGAGEMENT)
    mandated = models.BooleanField(
        default=False, help_text=_("Mandated or legally coerced to attend.")
    )
    interpreter_needed = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=40, blank=True)
    referral_reason = EncryptedTextField(blank=True)
    ending_type = models.CharField(max_length=20, choices=EndingType.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(
                fields=["organisation", "practitioner", "ended_on"], name="episode_caseload"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client.code} · {self.get_service_display()} from {self.started_on}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    @property
    def phase_index(self) -> int:
        return PHASE_ORDER.index(Phase(self.phase))

    @property
    def next_phase(self) -> str | None:
        index = self.phase_index
        return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None

    @property
    def phase_purpose(self) -> str:
        """What the current phase is for, in the words of this episode's kind of practice."""
        return vocabulary.phase_purpose(self, self.phase)


class PhaseChange(OrganisationRecord):
    """A dated, attributed move of an episode from one phase to another."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    changed_on = models.DateField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.from_phase or 'start'} → {self.to_phase} on {self.changed_on}"


class SessionFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class Attendance(models.TextChoices):
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not attend")


class Session(OrganisationRecord):
    """One meeting of an episode, numbered automatically within the episode."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    format = models.CharField(
        max_length=20, choices=SessionFormat.choices, default=SessionFormat.IN_PERSON
    )
    interpreter_present = models.BooleanField(default=False)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.ATTENDED
    )
    phase = models.CharField(
        max_length=20,
        choices=Phase.choices,
        help_text=_("The episode's phase when the session took place."),
    )
    note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "number"], name="session_number_unique_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"Session {self.number}"


class EpisodeSummary(models.Model):
    """What the caseload shows of an episode, kept with the episode instead of counted per page.

    `practice.summaries.refresh_summaries` recomputes a row from the sessions and from what
    features add (the measures: the client's recent alliance and open critical answers); every
    write that changes one of these calls it in the same transaction.
    """

    episode = models.OneToOneField(
        Episode, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    session_count = models.PositiveIntegerField(default=0)
    last_session_at = models.DateTimeField(null=True, blank=True)
    alliance_recent = models.JSONField(
        default=list, help_text="The client's last alliance totals, oldest first."
    )
    critical_open = models.PositiveIntegerField(
        default=0, help_text="Critical answers not yet reviewed."
    )
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"summary of episode {self.episode_id}"
