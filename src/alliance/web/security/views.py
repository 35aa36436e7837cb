"""The second sign-in step, one's own second factor, and the practice's requirement."""

from __future__ import annotations

from base64 import b32encode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role
from alliance.web.security import actions, policy
from alliance.web.security.forms import CodeForm, PracticeTwoFactorForm, SecondStepForm
from alliance.web.security.qr import qr_svg


def _next_url(request: HttpRequest, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path on this site: a bare word would be taken for a view name by redirect().
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _show_codes(request: HttpRequest, codes: list[str], *, fresh_enrolment: bool) -> HttpResponse:
    return render(
        request,
        "security/recovery_codes_shown.html",
        {"codes": codes, "fresh_enrolment": fresh_enrolment, "next": _next_url(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a recovery code."""
    user = request.user
    state = policy.remember_state(request.session, user)
    # django-otp's OTPMiddleware gives the request's user is_verified() at run time;
    # the User model (and its stub) has no such method.
    if state != policy.ENROLLED or user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        logout(request)
        # django-axes is untyped; its lockout response is an HttpResponse.
        lockout: HttpResponse = get_lockout_response(request, None, credentials)
        return lockout
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.verify_second_step(request, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        # Counted with the failed passwords: the same limit locks the username out.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            logout(request)
            lockout = get_lockout_response(request, None, credentials)
            return lockout
        form.add_error("code", actions.WRONG_CODE)
    return render(request, "security/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """One's own second factor: whether it is set up, and what can be done."""
    user = request.user
    state = policy.remember_state(request.session, user)
    recovery = policy.recovery_device(user)
    return render(
        request,
        "security/overview.html",
        {
            "enrolled": state == policy.ENROLLED,
            "required": policy.requires_two_factor(user),
            "codes_left": recovery.token_set.count() if recovery else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm a code."""
    user = request.user
    if policy.is_enrolled(user):
        return redirect("two_factor")
    device = actions.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.confirm_enrolment(request, device, form.cleaned_data["code"])
        except actions.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            return _show_codes(request, codes, fresh_enrolment=True)
    secret = b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "security/enrol.html",
        {
            "form": form,
            # The QR code is drawn here from our own data by the qrcode package.
            "qr": mark_safe(qr_svg(device.config_url)),  # noqa: S308
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": policy.requires_two_factor(user),
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """Replace one's recovery codes; the new ones are shown once."""
    if not policy.is_enrolled(request.user):
        return redirect("two_factor")
    if request.method == "POST":
        codes = actions.regenerate_recovery_codes(request.user)
        return _show_codes(request, codes, fresh_enrolment=False)
    return render(request, "security/recovery_codes.html")


@login_required
@require_http_methods(["GET", "POST"])
def disable(request: AuthenticatedRequest) -> HttpResponse:
    """Turn one's second factor off, confirmed with a current code; not when it is required."""
    user = request.user
    if not policy.is_enrolled(user):
        return redirect("two_factor")
    required = policy.requires_two_factor(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and not required and form.is_valid():
        try:
            actions.disable_two_factor(request, form.cleaned_data["code"])
        except actions.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("two_factor")
    return render(request, "security/disable.html", {"form": form, "required": required})


@login_required
@require_http_methods(["GET", "POST"])
def dismiss(request: AuthenticatedRequest) -> HttpResponse:
    """Hide the invitation to set up a second factor until the next sign-in."""
    if request.method == "POST":
        request.session[policy.SESSION_DISMISSED] = True
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def practice_setting(request: AuthenticatedRequest) -> HttpResponse:
    """Clinic admins: require a second factor from every member of staff, or from admins only."""
    require_role(request.user, Role.ADMIN)
    organisation = request.user.organisation
    if organisation is None:  # never: require_role refused a user without one
        raise Http404("Not found")
    form = PracticeTwoFactorForm(
        request.POST or None,
        initial={"two_factor_for_all_staff": organisation.two_factor_for_all_staff},
    )
    if request.method == "POST" and form.is_valid():
        actions.set_two_factor_for_all_staff(
            request.user, organisation, form.cleaned_data["two_factor_for_all_staff"]
        )
        messages.success(request, _("Saved."))
        return redirect("two_factor_practice")
    return render(request, "security/practice.html", {"form": form, "organisation": organisation})
