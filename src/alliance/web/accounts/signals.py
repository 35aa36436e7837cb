"""Audit logouts (sign-ins are audited by `security.signals`, which knows the second step)."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from alliance.web.audit.log import record


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, "logout", user, summary="logged out")
