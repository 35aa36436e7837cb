"""API tokens (personal or service, scoped, expiring, hashed at rest) and idempotency records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedTextField

# Scopes a token may carry: `read`/`write` cover every resource, the rest one resource each.
RESOURCE_SCOPES = {
    # A client's whole record (notes, transcripts, every answer) is its own scope: neither
    # `clients:read` nor the blanket `read` grants it.
    "clients": ("read", "write", "export"),
    "episodes": ("read", "write"),
    "sessions": ("read", "write"),
    "checks": ("read", "write"),
    "responses": ("read",),
    "alerts": ("read", "write"),
    "goals": ("read", "write"),
    "fhir": ("read", "write"),
}
SCOPES = ("read", "write") + tuple(
    f"{resource}:{verb}" for resource, verbs in RESOURCE_SCOPES.items() for verb in verbs
)
MAX_TOKEN_DAYS = 365
# A token created by someone other than the user it acts as (an admin's service token for an
# integration) carries only these: answers without clinical free text, and no clinical writes.
# `checks:read` never returns the client's link (that needs `checks:write`).
SERVICE_SCOPES = ("read", "checks:read", "responses:read")


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    SERVICE = "service", _("Service")


class ApiToken(OrganisationRecord):
    """A bearer token acting as `user`, never more; only a sha256 of its secret is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # None: created by the operator at the command line.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=TokenKind.choices, default=TokenKind.PERSONAL)
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True, help_text=_("Shown to recognise it."))
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.state == "active"

    @property
    def is_delegated(self) -> bool:
        """Whether it is a service token or someone other than its user created it."""
        if self.kind == TokenKind.SERVICE:
            return True
        return self.created_by_id is not None and self.created_by_id != self.user_id

    def allows(self, scope: str) -> bool:
        """Whether the token carries `scope` (e.g. "sessions:write") or its blanket verb.

        A service or delegated token never gets more than SERVICE_SCOPES, whatever it carries.
        """
        if self.is_delegated and scope not in SERVICE_SCOPES:
            return False
        verb = scope.rsplit(":", 1)[-1]
        return scope in self.scopes or verb in self.scopes


class IdempotencyRecord(models.Model):
    """The stored answer to a create request, replayed when the same key comes again."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The stored answer may hold clinical text, so it is encrypted like the records themselves.
    body = EncryptedTextField(blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "key"], name="idempotency_key_unique_per_token"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"idempotency {self.key}"
