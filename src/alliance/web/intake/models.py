"""The public practice pages and the intake requests sent from them.

Both tables were created by the journal app and keep its table names (`db_table`), so moving
the models here moved no data. Every table carries `organisation` so that a large deployment
can shard by organisation.
"""

from __future__ import annotations

import base64
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedCharField, EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ServiceOffered(models.TextChoices):
    THERAPY = "therapy", _("Therapy")
    COUNSELLING = "counselling", _("Counselling")
    CAREER_COACHING = "career-coaching", _("Career coaching")
    PERSONAL_DEVELOPMENT = "personal-development", _("Personal development coaching")
    LIFE_COACHING = "life-coaching", _("Life coaching")
    SUPERVISION = "supervision", _("Supervision")


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class PracticePage(models.Model):
    """The public page of a practice (no member) or of one practitioner in it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the practice's own page."),
    )
    headline = models.CharField(max_length=160, blank=True)
    about = models.TextField(blank=True, help_text=_("Who you are (Markdown)."))
    approach = models.TextField(blank=True, help_text=_("How you work (Markdown)."))
    services = models.CharField(max_length=300, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    formats = models.CharField(max_length=100, blank=True)
    fees = models.TextField(blank=True, help_text=_("Fees and payment (Markdown)."))
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_type = models.CharField(max_length=40, blank=True, editable=False)
    published = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "journal_practicepage"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "member"], name="one_practice_page_per_member"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(member__isnull=True),
                name="one_practice_page_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.headline or f"Practice page {self.public_id}"

    @staticmethod
    def _split(value: str) -> list[str]:
        return [part for part in value.split(",") if part]

    @property
    def service_list(self) -> list[str]:
        return self._split(self.services)

    @property
    def service_labels(self) -> list[StrOrPromise]:
        labels = dict(ServiceOffered.choices)
        return [labels.get(v, v) for v in self.service_list]

    @property
    def photo_data_uri(self) -> str:
        """The photo inline as a data: URI (its type was checked from its bytes on upload)."""
        if not self.photo:
            return ""
        encoded = base64.b64encode(bytes(self.photo)).decode("ascii")
        return f"data:{self.photo_type};base64,{encoded}"

    @property
    def format_list(self) -> list[str]:
        return self._split(self.formats)

    @property
    def format_labels(self) -> list[StrOrPromise]:
        labels = dict(MeetingFormat.choices)
        return [labels.get(v, v) for v in self.format_list]


class IntakeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a reply")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class IntakeRequest(OrganisationRecord):
    """A prospective client's request sent from a public page; every answer is encrypted."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The practitioner whose page it came from; empty for the practice page."),
    )
    name = EncryptedCharField(max_length=200)
    contact = EncryptedCharField(max_length=254)
    help_with = EncryptedTextField()
    preferred_times = EncryptedTextField(blank=True)
    preferred_format = models.CharField(max_length=20, choices=MeetingFormat.choices, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    service = models.CharField(max_length=30, choices=ServiceOffered.choices, blank=True)
    consent_to_contact = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.PENDING
    )
    decline_reason = EncryptedTextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    episode = models.ForeignKey(
        "practice.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "journal_intakerequest"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="intake_queue")]

    def __str__(self) -> str:
        return f"Intake request of {self.created_at:%d %b %Y}"
