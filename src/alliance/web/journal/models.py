"""The practitioner's own side: the reflection journal and the self-care check-ins.

Every table carries `organisation` so that a large deployment can shard by organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Tag(models.TextChoices):
    COUNTERTRANSFERENCE = "countertransference", _("Countertransference")
    STRONG_REACTION = "strong-reaction", _("Strong reaction")
    RUPTURE = "rupture", _("Rupture")
    SELF_CARE = "self-care", _("Self-care")
    LEARNING = "learning", _("Learning")


class JournalEntry(OrganisationRecord):
    """A private reflection; readable by its author and, once shared, by their supervisor."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    written_on = models.DateField()
    # Stored as "|tag|tag|" so that one tag is found with a plain `contains` on any database.
    tags = models.CharField(max_length=200, blank=True)
    text = EncryptedTextField()
    session = models.ForeignKey(
        "practice.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The supervisor this entry was shared with, if any."),
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-written_on", "-id"]
        indexes = [models.Index(fields=["author", "written_on"], name="journal_by_author")]

    def __str__(self) -> str:
        return f"Reflection of {self.written_on}"

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split("|") if tag]

    @property
    def tag_labels(self) -> list[StrOrPromise]:
        labels = dict(Tag.choices)
        return [labels.get(tag, tag) for tag in self.tag_list]

    @staticmethod
    def pack_tags(tags: Iterable[str]) -> str:
        ordered = [tag for tag in Tag.values if tag in set(tags)]
        return "|" + "|".join(ordered) + "|" if ordered else ""


class SelfCareCheckIn(OrganisationRecord):
    """One weekly WHO-5 answered by a practitioner about themselves."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_care_checkins"
    )
    week_of = models.DateField(help_text=_("The Monday of the week the check-in belongs to."))
    instrument_id = models.CharField(max_length=40, default="who5")
    answers = models.JSONField()
    score = models.FloatField(help_text=_("The instrument's total score."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["week_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "week_of"], name="one_self_care_checkin_a_week"
            )
        ]

    def __str__(self) -> str:
        return f"Self-care check-in, week of {self.week_of}"
