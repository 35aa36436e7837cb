"""Organisations and the people who work in them."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.credentials import credential_changed


class Organisation(models.Model):
    """A practice, clinic or coaching business; every practice record carries its key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    client_code_prefix = models.CharField(
        max_length=6,
        default="C",
        help_text="Pseudonymous client codes are this prefix, a dash and a number.",
    )
    crisis_contacts = models.TextField(
        blank=True,
        help_text="Shown to clients who report a critical answer (phone lines, emergency number).",
    )
    two_factor_for_all_staff = models.BooleanField(
        default=False,
        help_text="Require a second factor from every member of staff (admins always need one).",
    )
    retention_years = models.PositiveSmallIntegerField(
        default=8,
        help_text="Keep a client's records this many years after their last episode ended.",
    )
    retention_action = models.CharField(
        max_length=20,
        choices=[("anonymise", "Anonymise"), ("erase", "Erase")],
        default="anonymise",
        help_text="What the retention command does once the retention period has passed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationRecord(models.Model):
    """A record of one organisation, known outside the database by a random public id.

    Every practice table carries its organisation, so that a large deployment can shard by
    it, and a UUID that URLs, the API and the audit log use instead of the integer key.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class Role(models.TextChoices):
    ADMIN = "admin", _("Clinic admin")
    PRACTITIONER = "practitioner", _("Practitioner")
    SUPERVISOR = "supervisor", _("Supervisor")
    RESEARCHER = "researcher", _("Researcher")


class PractitionerKind(models.TextChoices):
    THERAPIST = "therapist", _("Therapist")
    COUNSELLOR = "counsellor", _("Counsellor")
    COACH = "coach", _("Coach")


class AllianceUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields: Any):
        # A superuser still belongs to an organisation; the CLI's createuser is the usual path.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. Clients never have accounts."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="staff", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    practitioner_kind = models.CharField(
        max_length=20, choices=PractitionerKind.choices, blank=True
    )
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervisees",
        limit_choices_to={"role": Role.SUPERVISOR},
    )

    objects: ClassVar[AllianceUserManager] = AllianceUserManager()
    # The e-mail address as loaded from the database, to see a change of it on save.
    _loaded_email: str | None

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_researcher(self) -> bool:
        return self.role == Role.RESEARCHER

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs: Any):
        # **kwargs: Django 6.1 adds the keyword fetch_mode (django-stubs describes 6.1).
        user = super().from_db(db, field_names, values, **kwargs)
        # The address a reset link goes to is a credential too: remember it to see a change.
        user._loaded_email = user.__dict__.get("email")
        return user

    def check_password(self, raw_password):
        # A correct password may be re-hashed with a newer hasher: the same password, no change.
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password):
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only clinic admins may use the Django admin; the flag follows the role.
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        # set_password() leaves the raw password in _password until the save: every later
        # change of an existing account's password (form, reset link, shell) is announced.
        password_changed = (
            self.pk is not None
            and getattr(self, "_password", None) is not None
            and not getattr(self, "_rehashing", False)
        )
        old_email = getattr(self, "_loaded_email", None)
        email_changed = self.pk is not None and old_email is not None and old_email != self.email
        super().save(*args, **kwargs)

        # Who made the change, when it is not the user (set by the admin before saving).
        actor = getattr(self, "_credential_actor", None)
        if password_changed:
            credential_changed(self, "password changed", actor=actor)
        if email_changed:
            credential_changed(
                self,
                f"e-mail address changed from {old_email or '(none)'} to {self.email or '(none)'}",
                actor=actor,
                also_to=old_email or "",
                announce=bool(old_email),
            )
        self._loaded_email = self.email
