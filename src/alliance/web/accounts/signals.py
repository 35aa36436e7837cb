"""Audit logins and logouts."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from alliance.web.audit.log import record


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record(user, "login", user, summary="logged in")


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, "logout", user, summary="logged out")
