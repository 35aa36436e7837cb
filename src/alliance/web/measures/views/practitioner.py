"""The practitioner's side of measures: checks, ratings, the measurement plan, critical answers."""

from __future__ import annotations

import io
import json
from uuid import UUID

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.instruments import load_instrument
from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.forms import add_action_errors
from alliance.web.measures import actions
from alliance.web.measures.access import check_for_user, plan_item_for_user, response_for_user
from alliance.web.measures.fhir import response_to_fhir
from alliance.web.measures.forms import InstrumentForm, PlanItemForm
from alliance.web.practice.access import episode_for_user, session_for_user


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


@login_required
@require_POST
def check_create(request: AuthenticatedRequest, session_id: UUID) -> HttpResponse:
    session = session_for_user(request.user, session_id, write=True)
    try:
        check, _token = actions.create_check(request.user, session)
    except actions.AlreadyAnswered as error:
        messages.error(request, error.messages[0])
        return redirect("session", session_id=session.public_id)
    if check is None:
        messages.info(request, _("No client measures are due at this session."))
        return redirect("session", session_id=session.public_id)
    return redirect("check", check_id=check.public_id)


@login_required
def check_detail(request: AuthenticatedRequest, check_id: UUID) -> HttpResponse:
    check = check_for_user(request.user, check_id, write=True)
    url = actions.check_url(request, check.token) if check.is_open else ""
    instruments = [load_instrument(i) for i in check.instrument_ids]
    return render(
        request,
        "measures/check_detail.html",
        {
            "check": check,
            "session": check.session,
            "client": check.session.episode.client,
            "url": url,
            "qr": mark_safe(_qr_svg(url)) if url else "",  # noqa: S308 - SVG generated locally by qrcode
            "instruments": instruments,
            # Answers of this check that could not be stored with the session's measures.
            "held": list(check.held_answers.all()),
        },
    )


@login_required
@require_POST
def check_revoke(request: AuthenticatedRequest, check_id: UUID) -> HttpResponse:
    check = check_for_user(request.user, check_id, write=True)
    try:
        actions.revoke_check(request.user, check)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("check", check_id=check.public_id)


@login_required
@require_POST
def check_email(request: AuthenticatedRequest, check_id: UUID) -> HttpResponse:
    check = check_for_user(request.user, check_id, write=True)
    try:
        actions.email_check(request.user, check, actions.check_url(request, check.token))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The link was e-mailed to the client."))
    return redirect("check", check_id=check.public_id)


@login_required
@require_POST
def check_tablet(request: AuthenticatedRequest, check_id: UUID) -> HttpResponse:
    """Hand this device to the client: log the practitioner out, then open the check."""
    check = check_for_user(request.user, check_id, write=True)
    if not check.is_open:
        return redirect("check", check_id=check.public_id)
    token = check.token
    logout(request)
    request.session["tablet_mode"] = True
    return redirect("client_check", token=token)


@login_required
def session_rate(request: AuthenticatedRequest, session_id: UUID) -> HttpResponse:
    session = session_for_user(request.user, session_id, write=True)
    instrument = load_instrument("alliance-check-practitioner")
    form = InstrumentForm(request.POST or None, instrument=instrument, lang="en")
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_practitioner_rating(request.user, session, form.answers())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("session", session_id=session.public_id)
    return render(
        request,
        "measures/session_rate.html",
        {
            "form": form,
            "session": session,
            "instrument": instrument,
            "client": session.episode.client,
        },
    )


@login_required
def episode_plan(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    actions.ensure_default_plan(episode)
    form = PlanItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_plan_item(request.user, episode, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("episode_plan", episode_id=episode.public_id)
    items = list(episode.plan_items.all())
    return render(
        request, "measures/episode_plan.html", {"episode": episode, "items": items, "form": form}
    )


@login_required
@require_POST
def plan_item_remove(request: AuthenticatedRequest, item_id: UUID) -> HttpResponse:
    item = plan_item_for_user(request.user, item_id)
    episode = item.episode
    actions.remove_plan_item(request.user, item)
    return redirect("episode_plan", episode_id=episode.public_id)


@login_required
@require_POST
def response_acknowledge(request: AuthenticatedRequest, response_id: UUID) -> HttpResponse:
    response = response_for_user(request.user, response_id, write=True)
    actions.acknowledge_critical(request.user, response)
    return redirect("client", client_id=response.session.episode.client.public_id)


@login_required
def response_fhir(request: AuthenticatedRequest, response_id: UUID) -> HttpResponse:
    """Download one response as a FHIR R4 QuestionnaireResponse."""

    response = response_for_user(request.user, response_id)
    resource = response_to_fhir(response)
    payload = HttpResponse(json.dumps(resource, indent=2), content_type="application/fhir+json")
    payload["Content-Disposition"] = (
        f'attachment; filename="{response.instrument_id}-{response.public_id}.json"'
    )
    return payload
