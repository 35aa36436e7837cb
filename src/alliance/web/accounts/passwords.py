"""Passwords are set only by their owner: an admin sends a reset link, never a password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alliance.web.audit.log import record
from alliance.web.audit.models import AuditAction

if TYPE_CHECKING:
    from alliance.web.accounts.models import User

RESET_MESSAGE = """Hello {name},

{by} asked Alliance to let you set a password for your account ({username}).
Open this link within {days} days and choose a password only you know:

{url}

The link works once. If you did not expect this, tell your clinic at once.
"""


def reset_url(user: User, base: str | None = None) -> str:
    """Return the single-use link at which `user` sets their own password."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return (base or settings.ALLIANCE_BASE_URL).rstrip("/") + path


def send_reset_link(actor: User | None, user: User, *, base: str | None = None) -> None:
    """E-mail `user` a link to set their password, and audit who sent it."""
    if not user.email:
        raise ValidationError(f"{user.get_username()} has no e-mail address to send a link to.")
    if not user.is_active:
        raise ValidationError(f"{user.get_username()} is deactivated.")
    url = reset_url(user, base)
    by = actor.get_username() if actor is not None else "The operator"
    body = RESET_MESSAGE.format(
        name=user.get_full_name() or user.get_username(),
        by=by,
        username=user.get_username(),
        days=max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        url=url,
    )
    record(
        actor,
        AuditAction.CREDENTIAL,
        user,
        summary=f"password reset link sent to {user.get_username()}",
        organisation=user.organisation,
    )
    transaction.on_commit(
        lambda: send_mail(
            "Alliance: set your password", body, settings.DEFAULT_FROM_EMAIL, [user.email]
        )
    )
