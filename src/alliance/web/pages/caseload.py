"""The caseload: active episodes the user may see, sorted by risk, with phase and last session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import redirect, render

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role
from alliance.web.insights.caseload import caseload_risk, open_alert_count, sort_by_risk
from alliance.web.practice.access import clients_for_user, episodes_for_user
from alliance.web.practice.caseload_rows import render_rows
from alliance.web.practice.summaries import summaries_for

CASELOAD_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.ADMIN)


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    if request.user.role == Role.RESEARCHER:
        return render(request, "practice/researcher_home.html")
    return redirect("caseload")


@login_required
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, *CASELOAD_ROLES)
    # Any: the page hangs its display values (counts, the critical flag, risk) on each episode.
    episodes: list[Any] = list(
        episodes_for_user(request.user)
        .filter(ended_on__isnull=True)
        .select_related("client", "practitioner", "summary")
        # Only what the caseload shows: no clinical text is read or decrypted. Counts, the
        # last session, the alliance and the critical flag come from the episode's summary,
        # not from its sessions and answers.
        .only(
            "id",
            "organisation_id",
            "client_id",
            "practitioner_id",
            "service",
            "phase",
            "mandated",
            "interpreter_needed",
            "interpreter_language",
            "ended_on",
            "client__public_id",
            "client__code",
            "practitioner__first_name",
            "practitioner__last_name",
            "practitioner__username",
            "summary__session_count",
            "summary__last_session_at",
            "summary__alliance_recent",
            "summary__critical_open",
        )
        .order_by("practitioner__last_name", "client__code")
    )
    summaries = summaries_for(episodes)
    for episode in episodes:
        summary = summaries[episode.pk]
        episode.session_count = summary.session_count
        episode.last_session_at = summary.last_session_at
        episode.critical_open = summary.critical_open > 0
    episodes.sort(key=lambda e: not e.critical_open)  # stable: critical answers first
    show_risk = request.user.role != Role.ADMIN
    risk = (
        caseload_risk(
            request.user,
            episodes,
            alliance_recent={pk: s.alliance_recent for pk, s in summaries.items()},
        )
        if show_risk
        else {}
    )
    for episode in episodes:
        episode.risk = risk.get(episode.pk)
    ordered = sort_by_risk(episodes, risk)
    rows = render_rows(
        ordered, show_risk=show_risk, show_practitioner=request.user.role != Role.PRACTITIONER
    )
    return render(
        request,
        "practice/caseload.html",
        {
            "episodes": ordered,
            "rows": rows,
            "show_risk": show_risk,
            "open_alerts": open_alert_count(request.user) if show_risk else 0,
        },
    )


@login_required
def client_list(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, *CASELOAD_ROLES)
    clients = (
        clients_for_user(request.user)
        .select_related("practitioner")
        .defer("name", "email", "phone")
        .annotate(
            # distinct: the join with sessions repeats each episode once per session
            episode_count=Count("episodes", distinct=True),
            last_session_at=Max("episodes__sessions__starts_at"),
        )
        .order_by("code")
    )
    return render(request, "practice/client_list.html", {"clients": clients})
