"""The intake queue: admins and practitioners accept requests into episodes or decline them."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role, User
from alliance.web.forms import message_action_errors
from alliance.web.intake import actions
from alliance.web.intake.access import intake_for_user, intake_request_for_user
from alliance.web.intake.forms import AcceptForm, DeclineForm
from alliance.web.intake.models import IntakeStatus


def _practitioners(user: User) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id=user.organisation_id, role=Role.PRACTITIONER, is_active=True
    )


@login_required
def intake_queue(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.PRACTITIONER, Role.ADMIN)
    requests = intake_for_user(request.user).select_related("practitioner", "decided_by")
    pending = [r for r in requests if r.status == IntakeStatus.PENDING]
    answered = [r for r in requests if r.status != IntakeStatus.PENDING][:20]
    return render(
        request,
        "intake/intake_queue.html",
        {
            "pending": pending,
            "answered": answered,
            "accept_form": AcceptForm(practitioners=_practitioners(request.user)),
            "decline_form": DeclineForm(),
            "choose_practitioner": request.user.role == Role.ADMIN,
        },
    )


@login_required
@require_POST
def intake_accept(request: AuthenticatedRequest, intake_id: UUID) -> HttpResponse:
    intake = intake_request_for_user(request.user, intake_id)
    form = AcceptForm(request.POST, practitioners=_practitioners(request.user))
    form.is_valid()
    practitioner = form.cleaned_data.get("practitioner")
    try:
        episode = actions.accept_intake(request.user, intake, practitioner=practitioner)
    except ValidationError as error:
        message_action_errors(request, error)
        return redirect("intake_queue")
    messages.success(
        request,
        _("Accepted: client %(code)s, a new episode in the engagement phase.")
        % {"code": episode.client.code},
    )
    return redirect("client", client_id=episode.client.public_id)


@login_required
@require_POST
def intake_decline(request: AuthenticatedRequest, intake_id: UUID) -> HttpResponse:
    intake = intake_request_for_user(request.user, intake_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a short reason for declining."))
        return redirect("intake_queue")
    try:
        actions.decline_intake(request.user, intake, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        message_action_errors(request, error)
    else:
        messages.success(request, _("Request declined."))
    return redirect("intake_queue")
