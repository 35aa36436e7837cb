"""The alert inbox and what a practitioner does with an alert. Views stay thin."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role
from alliance.web.forms import message_action_errors
from alliance.web.insights import actions
from alliance.web.insights.access import alert_for_user
from alliance.web.insights.caseload import open_alert_count
from alliance.web.insights.forms import ResolveForm, SnoozeForm
from alliance.web.insights.inbox import inbox_for_user


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.PRACTITIONER, Role.SUPERVISOR, Role.ADMIN)
    groups = inbox_for_user(request.user)
    return render(
        request,
        "insights/inbox.html",
        {
            "groups": groups,
            "open_total": open_alert_count(request.user),
            "snooze_form": SnoozeForm(),
            "resolve_form": ResolveForm(),
        },
    )


def _done(request: HttpRequest, error: ValidationError | None, success: str) -> HttpResponse:
    if error is None:
        messages.success(request, success)
    else:
        message_action_errors(request, error)
    return redirect("inbox")


@login_required
@require_POST
def alert_acknowledge(request: AuthenticatedRequest, alert_id: UUID) -> HttpResponse:
    alert = alert_for_user(request.user, alert_id, write=True)
    try:
        actions.acknowledge_alert(request.user, alert)
    except ValidationError as error:
        return _done(request, error, "")
    return _done(request, None, _("Alert acknowledged."))


@login_required
@require_POST
def alert_snooze(request: AuthenticatedRequest, alert_id: UUID) -> HttpResponse:
    alert = alert_for_user(request.user, alert_id, write=True)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[f].label}: {m}" for f, ms in form.errors.items() for m in ms]
        return _done(request, ValidationError(errors), "")
    try:
        actions.snooze_alert(
            request.user, alert, reason=form.cleaned_data["reason"], until=form.until()
        )
    except ValidationError as error:
        return _done(request, error, "")
    return _done(request, None, _("Alert snoozed."))


@login_required
@require_POST
def alert_resolve(request: AuthenticatedRequest, alert_id: UUID) -> HttpResponse:
    alert = alert_for_user(request.user, alert_id, write=True)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _done(request, ValidationError(_("Say briefly what you did about it.")), "")
    try:
        actions.resolve_alert(request.user, alert, note=form.cleaned_data["note"])
    except ValidationError as error:
        return _done(request, error, "")
    return _done(request, None, _("Alert resolved."))
