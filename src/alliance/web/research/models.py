"""Research consent, the organisation's research settings and the log of research exports.

Every table carries `organisation` so that a large deployment can shard by organisation.
Research consent is separate from consent to care and is kept as history: each change
(given, withdrawn, given again) is a new row, never an update, so the record shows what was
in force on any day. The latest row of a client decides whether their data may be exported.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedCharField


def new_project_key() -> str:
    """Return a fresh secret for the keyed hashes behind research ids (256 bits, hex)."""
    return secrets.token_hex(32)


class ResearchSettings(models.Model):
    """One organisation's research settings: the project key and who may reach the pages."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="research_settings"
    )
    # The key turns clinic keys into research ids (HMAC); whoever holds it can re-link ids,
    # so it is encrypted at rest and never shown.
    project_key = EncryptedCharField(max_length=128, default=new_project_key, editable=False)
    admins_may_access = models.BooleanField(
        default=False,
        help_text=_(
            "Let clinic admins open the research pages (pseudonymised data only). "
            "Off by default: research is the researchers' role."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("research settings")
        verbose_name_plural = _("research settings")

    def __str__(self) -> str:
        return f"research settings of organisation {self.organisation_id}"


class AppendOnlyError(Exception):
    """Raised when code tries to change a research consent row instead of adding one."""


class ResearchConsent(OrganisationRecord):
    """One change of a client's consent to the research use of their data.

    A row with ``withdrawn_on`` empty means consent was given on ``given_on``; a row with
    ``withdrawn_on`` set records the withdrawal of the consent given on ``given_on``.
    """

    client = models.ForeignKey(
        "practice.Client", on_delete=models.CASCADE, related_name="research_consents"
    )
    given_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organisation", "client", "-id"], name="research_consent_latest")
        ]

    def __str__(self) -> str:
        if self.withdrawn_on:
            return f"research consent withdrawn on {self.withdrawn_on}"
        return f"research consent given on {self.given_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("research consent is history: add a row, do not change one")
        super().save(*args, **kwargs)

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    PARQUET = "parquet", _("Parquet")
    SAV = "sav", _("SPSS (.sav)")
    REPORT = "html", _("HTML report")
    FIT = "fit", _("Model fit (JSON)")


class ExportShape(models.TextChoices):
    LONG = "long", _("Long (one row per episode × session × instrument)")
    WIDE = "wide", _("Wide (one row per episode, sessions as waves)")
    BOTH = "both", _("Both")


class ResearchExport(OrganisationRecord):
    """One research export (data set, report or model fit): who, when, what, how many.

    The file itself is not kept: it is streamed to the researcher (web) or written to the
    directory the operator names (command line), so no copy of research data lingers.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty for an export from the command line."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=10, default="web")
    format = models.CharField(max_length=10, choices=ExportFormat.choices)
    shape = models.CharField(max_length=10, choices=ExportShape.choices, blank=True)
    instruments = models.JSONField(default=list)
    services = models.JSONField(default=list, blank=True, help_text=_("Empty: every service."))
    n_clients = models.PositiveIntegerField(default=0)
    n_excluded_clients = models.PositiveIntegerField(default=0)
    n_episodes = models.PositiveIntegerField(default=0)
    n_rows = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="research_export_recent")
        ]

    def __str__(self) -> str:
        return f"research export {self.file_name}"
