"""Sign-in security on every request: idle and absolute session limits, the second factor,
and the response headers that Django and django-csp do not set."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from alliance.web.security import policy

SESSION_STARTED = "alliance_signed_in_at"
SESSION_TOUCHED = "alliance_last_seen_at"
# Refreshing the session's expiry costs a write; once a minute keeps the idle limit sliding.
TOUCH_EVERY_SECONDS = 60

# What a signed-in user may still reach while a second step is outstanding.
VERIFY_ALLOWED = {"two_factor_verify", "logout", "login", "healthz", "readyz"}
ENROL_ALLOWED = {"two_factor_enrol", "logout", "login", "healthz", "readyz"}


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _signed_in(request: HttpRequest) -> bool:
    # Reading the session key avoids loading the user on anonymous requests.
    return SESSION_KEY in request.session


class SessionActivityMiddleware:
    """End a session ALLIANCE_SESSION_SECONDS after sign-in and slide its idle expiry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _signed_in(request):
            now = int(time.time())
            session = request.session
            started = session.get(SESSION_STARTED)
            if started is None:
                session[SESSION_STARTED] = now
            elif now - started > settings.ALLIANCE_SESSION_MAX_SECONDS:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - session.get(SESSION_TOUCHED, 0) >= TOUCH_EVERY_SECONDS:
                # Modifying the session saves it, which moves its expiry forward.
                session[SESSION_TOUCHED] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Send a signed-in user who owes a second step to it; let them reach nothing else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _signed_in(request):
            response = self._enforce(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request: HttpRequest) -> HttpResponseRedirect | None:
        user = request.user
        if not user.is_authenticated:
            return None
        state = policy.session_state(request.session, user)
        # django-otp's OTPMiddleware gives the request's user is_verified() at run time;
        # the User model (and its stub) has no such method.
        if state == policy.ENROLLED and not user.is_verified():  # type: ignore[attr-defined]
            if _url_name(request) in VERIFY_ALLOWED:
                return None
            return self._send_to("two_factor_verify", request)
        if state == policy.REQUIRED:
            if _url_name(request) in ENROL_ALLOWED:
                return None
            return self._send_to("two_factor_enrol", request)
        return None

    @staticmethod
    def _send_to(name: str, request: HttpRequest) -> HttpResponseRedirect:
        url = reverse(name)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


class SecurityHeadersMiddleware:
    """Add Permissions-Policy, and keep signed-in pages out of shared and browser caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.ALLIANCE_PERMISSIONS_POLICY)
        if _signed_in(request) and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
