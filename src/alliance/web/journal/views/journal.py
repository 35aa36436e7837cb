"""The reflection journal: private to its author, shared only with their supervisor."""

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

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.accounts.models import User
from alliance.web.forms import add_action_errors
from alliance.web.journal import actions
from alliance.web.journal.access import entry_for_user, journal_for_user, shared_with_user
from alliance.web.journal.forms import JournalEntryForm, JournalSearchForm
from alliance.web.practice.access import sessions_for_user
from alliance.web.practice.models import Session


def _own_sessions(user: User) -> QuerySet[Session]:
    """Sessions the user treated, most recent first, for linking a reflection."""
    return (
        sessions_for_user(user)
        .filter(episode__practitioner=user)
        .select_related("episode", "episode__client")
        .order_by("-starts_at")[:60]
    )


@login_required
def journal(request: AuthenticatedRequest) -> HttpResponse:
    search = JournalSearchForm(request.GET or None)
    entries = search.filter(journal_for_user(request.user)).select_related(
        "session", "session__episode__client", "shared_with"
    )
    shared = search.filter(shared_with_user(request.user)).select_related("author")
    return render(
        request,
        "journal/journal.html",
        {"search": search, "entries": entries, "shared": shared},
    )


@login_required
def journal_new(request: AuthenticatedRequest) -> HttpResponse:
    # "Write a reflection" on a session page links here with ?session=<its id>.
    initial = {"session": request.GET.get("session", "")}
    form = JournalEntryForm(
        request.POST or None, initial=initial, sessions=_own_sessions(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = actions.write_entry(request.user, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("Reflection saved."))
            return redirect("journal_entry", entry_id=entry.public_id)
    return render(request, "journal/entry_form.html", {"form": form, "entry": None})


@login_required
def journal_entry(request: AuthenticatedRequest, entry_id: UUID) -> HttpResponse:
    entry = entry_for_user(request.user, entry_id)
    is_author = entry.author_id == request.user.id
    return render(
        request,
        "journal/entry_detail.html",
        {"entry": entry, "is_author": is_author, "supervisor": request.user.supervisor},
    )


@login_required
def journal_edit(request: AuthenticatedRequest, entry_id: UUID) -> HttpResponse:
    entry = entry_for_user(request.user, entry_id, write=True)
    initial = {
        "written_on": entry.written_on,
        "tags": entry.tag_list,
        "text": entry.text,
        "session": str(entry.session.public_id) if entry.session else "",
    }
    sessions = list(_own_sessions(request.user))
    if entry.session and entry.session not in sessions:
        sessions.append(entry.session)
    form = JournalEntryForm(request.POST or None, initial=initial, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_entry(request.user, entry, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("Reflection saved."))
            return redirect("journal_entry", entry_id=entry.public_id)
    return render(request, "journal/entry_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def journal_share(request: AuthenticatedRequest, entry_id: UUID) -> HttpResponse:
    entry = entry_for_user(request.user, entry_id, write=True)
    try:
        if request.POST.get("share") == "yes":
            actions.share_entry(request.user, entry)
            messages.success(request, _("Shared with your supervisor."))
        else:
            actions.unshare_entry(request.user, entry)
            messages.success(request, _("No longer shared."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("journal_entry", entry_id=entry.public_id)
