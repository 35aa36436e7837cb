"""The Django admin site signs in through Alliance's own two-step login and needs a verified
session; its own password-only login form is never offered."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect


def require_second_factor(site=admin.site) -> None:
    """Make `site` require a session verified with a second factor."""
    plain_has_permission = site.has_permission

    def has_permission(request: HttpRequest):
        verified = getattr(request.user, "is_verified", None)
        return plain_has_permission(request) and callable(verified) and verified()

    def login(request: HttpRequest, extra_context=None):
        if request.user.is_authenticated:
            # Signed in without the admin's rights: nothing here for them (and no redirect loop).
            return redirect("home")
        next_url = request.GET.get("next") or request.get_full_path()
        return redirect_to_login(next_url, settings.LOGIN_URL)

    site.has_permission = has_permission
    site.login = login
