"""The client's portal: a personal link plus a PIN, no account.

Wrong PINs lock the link for a while (counted in the database). An opened portal lasts
while the client is active and closes after PORTAL_IDLE of inactivity or on logging out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from alliance.web.collaboration import actions
from alliance.web.collaboration.forms import ClientNoteForm, PinForm, ProposeGoalForm
from alliance.web.collaboration.models import PORTAL_MAX_FAILURES, Task, TaskStatus, Who
from alliance.web.collaboration.portal_content import portal_context

PORTAL_IDLE = dt.timedelta(minutes=20)


def _key(access) -> str:
    return f"portal-{access.public_id}"


def _closed(request: HttpRequest, status=404) -> HttpResponse:
    return render(request, "collaboration/portal_closed.html", {"lang": "en"}, status=status)


def _is_open(request: HttpRequest, access) -> str:
    """Return "open", "expired" (idle too long) or "closed" for this browser."""
    stamp = request.session.get(_key(access))
    if stamp is None:
        return "closed"
    last = dt.datetime.fromisoformat(stamp)
    if timezone.now() - last > PORTAL_IDLE:
        request.session.pop(_key(access), None)
        return "expired"
    request.session[_key(access)] = timezone.now().isoformat()
    return "open"


def _pin_page(request: HttpRequest, access, form, status=200, **extra: Any) -> HttpResponse:
    return render(
        request,
        "collaboration/portal_pin.html",
        {
            "organisation": access.organisation,
            "lang": access.client.preferred_language or "en",
            "form": form,
            **extra,
        },
        status=status,
    )


@never_cache
@csrf_protect
def portal(request: HttpRequest, portal_token: str) -> HttpResponse:
    access = actions.find_portal_access(portal_token)
    if access is None:
        return _closed(request)
    lang = access.client.preferred_language or "en"
    with translation.override(lang):
        state = _is_open(request, access)
        if state != "open":
            return _unlock(request, access, portal_token, expired=state == "expired")
        if request.method == "POST":
            return _act(request, access, portal_token)
        return render(
            request,
            "collaboration/portal.html",
            {
                "organisation": access.organisation,
                "lang": lang,
                "token": portal_token,
                "note_form": ClientNoteForm(),
                "goal_form": ProposeGoalForm(),
                **portal_context(access),
            },
        )


def _unlock(request: HttpRequest, access, token: str, *, expired: bool) -> HttpResponse:
    form = PinForm(request.POST or None)
    if access.is_locked():
        return _pin_page(request, access, None, status=429, locked=True)
    if request.method == "POST" and form.is_valid():
        outcome = actions.try_pin(access, form.cleaned_data["pin"])
        if outcome == "ok":
            request.session.cycle_key()
            request.session[_key(access)] = timezone.now().isoformat()
            return redirect("portal", portal_token=token)
        if outcome == "locked":
            return _pin_page(request, access, None, status=429, locked=True)
        left = max(0, PORTAL_MAX_FAILURES - access.failed_attempts)
        form.add_error(
            "pin",
            ngettext(
                "That PIN is not right. %(n)s try left before the link pauses for 15 minutes.",
                "That PIN is not right. %(n)s tries left before the link pauses for 15 minutes.",
                left,
            )
            % {"n": left},
        )
    return _pin_page(request, access, form, expired=expired)


def _act(request: HttpRequest, access, token: str) -> HttpResponse:
    context = portal_context(access)
    action = request.POST.get("action", "")
    if action == "tick":
        ids = {str(t.public_id): t for t in context["tasks"]}
        task: Task | None = ids.get(request.POST.get("task", ""))
        if task is None:
            raise Http404("No such task")
        status = TaskStatus.OPEN if task.status == TaskStatus.DONE else TaskStatus.DONE
        actions.set_task_status(None, task, status, by=Who.CLIENT)
        messages.success(request, _("Thank you — your task list is updated."))
    elif action == "note":
        form: Form = ClientNoteForm(request.POST)
        if not form.is_valid():
            return _render_with(request, access, token, context, note_form=form)
        actions.leave_client_note(access, form.cleaned_data["text"])
        messages.success(request, _("Thank you. Your note will be there at your next session."))
    elif action == "propose":
        form = ProposeGoalForm(request.POST)
        if context["episode"] is None or not form.is_valid():
            return _render_with(request, access, token, context, goal_form=form)
        try:
            actions.propose_goal_from_portal(access, context["episode"], form.cleaned_data["title"])
        except ValidationError as exc:
            raise Http404("No episode") from exc
        messages.success(request, _("Thank you. You will look at this goal together next time."))
    else:
        raise Http404("Unknown action")
    return redirect("portal", portal_token=token)


def _render_with(request: HttpRequest, access, token: str, context, **forms: Any) -> HttpResponse:
    return render(
        request,
        "collaboration/portal.html",
        {
            "organisation": access.organisation,
            "lang": access.client.preferred_language or "en",
            "token": token,
            "note_form": ClientNoteForm(),
            "goal_form": ProposeGoalForm(),
            **context,
            **forms,
        },
        status=400,
    )


@never_cache
@csrf_protect
def portal_logout(request: HttpRequest, portal_token: str) -> HttpResponse:
    access = actions.find_portal_access(portal_token)
    if access is None:
        return _closed(request)
    if request.method == "POST":
        request.session.pop(_key(access), None)
        with translation.override(access.client.preferred_language or "en"):
            return _pin_page(request, access, PinForm(), logged_out=True)
    return redirect("portal", portal_token=portal_token)
