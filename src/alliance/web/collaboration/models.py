"""Goals and tasks agreed with the client, shared decisions, the client's portal and rituals.

Every table carries `organisation` so that a large deployment can shard by organisation.
Everything the client or practitioner writes in their own words is encrypted at rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedCharField, EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

GAS_LEVELS = (-2, -1, 0, 1, 2)
GAS_LEVEL_LABELS = {
    -2: _("much less than expected"),
    -1: _("somewhat less than expected"),
    0: _("as expected"),
    1: _("somewhat more than expected"),
    2: _("much more than expected"),
}


class Who(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    CLIENT = "client", _("Client")


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(OrganisationRecord):
    """A goal of an episode in the client's words, with five described attainment levels."""

    episode = models.ForeignKey("practice.Episode", on_delete=models.CASCADE, related_name="goals")
    title = EncryptedCharField(max_length=300, help_text=_("In the client's own words."))
    alliance_goal_link = models.BooleanField(
        default=False, help_text=_("Counts towards the alliance's goal dimension.")
    )
    level_minus_2 = EncryptedTextField(blank=True)
    level_minus_1 = EncryptedTextField(blank=True)
    level_0 = EncryptedTextField(blank=True)
    level_plus_1 = EncryptedTextField(blank=True)
    level_plus_2 = EncryptedTextField(blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    proposed_by = models.CharField(max_length=20, choices=Who.choices, default=Who.PRACTITIONER)
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.AGREED)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"goal {self.public_id}"

    def level_text(self, level: int) -> str:
        """Return the description of attainment `level` (−2 … +2)."""
        texts: dict[int, str] = {
            -2: self.level_minus_2,
            -1: self.level_minus_1,
            0: self.level_0,
            1: self.level_plus_1,
            2: self.level_plus_2,
        }
        return texts[level]

    @property
    def levels(self) -> list[tuple[int, StrOrPromise, str]]:
        """(level, standard label, this goal's description), from +2 down to −2."""
        return [(n, GAS_LEVEL_LABELS[n], self.level_text(n)) for n in reversed(GAS_LEVELS)]

    @property
    def counts_for_gas(self) -> bool:
        return self.status in (GoalStatus.AGREED, GoalStatus.ACHIEVED)


class GoalRating(OrganisationRecord):
    """One rating of a goal's attainment, kept as history."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    session = models.ForeignKey(
        "practice.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    level = models.SmallIntegerField(choices=[(n, str(n)) for n in GAS_LEVELS])
    rated_by = models.CharField(max_length=20, choices=Who.choices, default=Who.PRACTITIONER)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rated_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=-2, level__lte=2), name="goal_rating_level_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level:+d} by {self.rated_by}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Task(OrganisationRecord):
    """Something agreed to try or do between sessions."""

    episode = models.ForeignKey("practice.Episode", on_delete=models.CASCADE, related_name="tasks")
    what = EncryptedTextField()
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    ticked_by = models.CharField(max_length=20, choices=Who.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return f"task {self.public_id}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == TaskStatus.OPEN
            and self.due_on is not None
            and self.due_on < timezone.localdate()
        )


class SharedDecision(OrganisationRecord):
    """A treatment-plan decision made together, with who agreed and when."""

    episode = models.ForeignKey(
        "practice.Episode", on_delete=models.CASCADE, related_name="decisions"
    )
    decision = EncryptedTextField()
    agreed_by = EncryptedCharField(max_length=200, help_text=_("Who agreed, e.g. client and I."))
    decided_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"decision {self.public_id}"


def hash_portal_token(token: str) -> str:
    return hashlib.sha256(("portal:" + token).encode("utf-8")).hexdigest()


PORTAL_MAX_FAILURES = 5
PORTAL_LOCKOUT = dt.timedelta(minutes=15)


class PortalAccess(OrganisationRecord):
    """A client's personal portal link and PIN; only hashes open it, and it can be revoked."""

    client = models.ForeignKey(
        "practice.Client", on_delete=models.CASCADE, related_name="portal_accesses"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # Kept encrypted so the practitioner could show the link again; lookups use the hash.
    token = EncryptedCharField(max_length=64)
    pin_hash = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"portal link {self.public_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now


class ClientNote(OrganisationRecord):
    """Something the client wants to bring up next time, written in the portal."""

    client = models.ForeignKey(
        "practice.Client", on_delete=models.CASCADE, related_name="portal_notes"
    )
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"client note {self.public_id}"


class RitualKind(models.TextChoices):
    OPENING = "opening", _("Opening")
    CLOSING = "closing", _("Closing")


class RitualChoice(models.Model):
    """The opening or closing ritual chosen for an episode, from the rituals library."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    episode = models.ForeignKey(
        "practice.Episode", on_delete=models.CASCADE, related_name="ritual_choices"
    )
    kind = models.CharField(max_length=20, choices=RitualKind.choices)
    ritual_id = models.CharField(max_length=64)
    chosen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "kind"], name="one_ritual_per_episode_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.ritual_id}"


DEFAULT_CLIENT_VISIBLE = ["phq9", "gad7", "k10", "who5", "flourishing"]


class PortalSettings(models.Model):
    """Per practice: which instruments' score trends clients see in their portal.

    Alliance measures are hidden by default, so that clients rate the relationship freely.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="portal_settings"
    )
    client_visible_instruments = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "portal settings"

    def __str__(self) -> str:
        return f"portal settings of {self.organisation_id}"


def client_visible_instruments(organisation_id: int) -> list[str]:
    """Return the instrument ids whose trends clients of the organisation see."""
    row = PortalSettings.objects.filter(organisation_id=organisation_id).first()
    return list(row.client_visible_instruments) if row else list(DEFAULT_CLIENT_VISIBLE)
