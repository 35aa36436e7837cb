"""Logging a session and the session's page."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.audit.log import record
from alliance.web.forms import add_action_errors
from alliance.web.journal.access import journal_marker
from alliance.web.measures.actions import create_check
from alliance.web.measures.summary import episode_rows
from alliance.web.pages.common import sources_of
from alliance.web.practice import actions
from alliance.web.practice.access import (
    can_read_clinical_text,
    can_write_clinical,
    episode_for_user,
    session_for_user,
)
from alliance.web.practice.forms import SessionForm
from alliance.web.transcripts.panel import session_panel_context


@login_required
def session_new(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = SessionForm(
        request.POST or None,
        initial={"starts_at": now, "interpreter_present": episode.interpreter_needed},
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = actions.record_session(request.user, episode, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            # The instruments due become one check for the client, ready to hand over.
            check, _token = (
                create_check(request.user, session)
                if session.attendance == "attended"
                else (None, None)
            )
            if check is not None:
                return redirect("check", check_id=check.public_id)
            return redirect("session", session_id=session.public_id)
    return render(request, "practice/session_form.html", {"form": form, "episode": episode})


@login_required
def session_detail(request: AuthenticatedRequest, session_id: UUID) -> HttpResponse:
    session = session_for_user(request.user, session_id)
    client = session.episode.client
    record(request.user, "view", session, summary=f"session {session.number} of {client.code}")
    rows = episode_rows(session.episode).get(session.id, [])
    return render(
        request,
        "practice/session_detail.html",
        {
            "session": session,
            "episode": session.episode,
            "client": client,
            "can_write": can_write_clinical(request.user, client),
            "can_read_text": can_read_clinical_text(request.user, client),
            "rows": rows,
            "sources": sources_of(rows),
            # How many sets of answers each check kept aside, to lead the practitioner to them.
            "checks": list(session.checks.annotate(held=Count("held_answers"))),
            **session_panel_context(session),
            "has_reflection": journal_marker(request.user, session),
        },
    )


@login_required
def session_edit(request: AuthenticatedRequest, session_id: UUID) -> HttpResponse:
    session = session_for_user(request.user, session_id, write=True)
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_session(request.user, session, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("session", session_id=session.public_id)
    return render(
        request,
        "practice/session_form.html",
        {"form": form, "episode": session.episode, "session": session},
    )
