"""The append-only audit log: who did what to which record, and when."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    VIEW = "view", "Viewed"
    LOGIN = "login", "Logged in"
    # The password was right; the second step (an authenticator code) is still owed.
    PASSWORD = "password", "Password accepted, second step pending"
    # A sign-in step failed: a wrong second-step code.
    REFUSED = "refused", "Sign-in step refused"
    LOGOUT = "logout", "Logged out"
    EXPORT = "export", "Exported"
    CREDENTIAL = "credential", "Changed a credential"


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any):
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One thing that happened. Never updated, never deleted."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.UUIDField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    # Set when the action came through an API token: which token, and who created it (an
    # admin's service token acts as a practitioner, but is never recorded as only theirs).
    token_prefix = models.CharField(max_length=16, blank=True)
    token_creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token_creator_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_org_recent")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        via = f" via token {self.token_prefix}…" if self.token_prefix else ""
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}{via} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any):
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise AppendOnlyError("audit entries cannot be deleted")
