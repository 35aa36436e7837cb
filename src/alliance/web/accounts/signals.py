"""Audit logouts (sign-ins are audited by `security.signals`, which knows the second step)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from alliance.web.audit.log import record

if TYPE_CHECKING:
    from alliance.web.accounts.models import User


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if user is not None:
        record(user, "logout", user, summary="logged out")
