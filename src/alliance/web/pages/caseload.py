"""The caseload: active episodes the user may see, sorted by risk, with phase and last session."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, Max, OuterRef
from django.shortcuts import redirect, render

from alliance.web.accounts.access import require_role
from alliance.web.accounts.models import Role
from alliance.web.insights.caseload import caseload_risk, open_alert_count, sort_by_risk
from alliance.web.measures.models import MeasureResponse
from alliance.web.practice.access import clients_for_user, episodes_for_user
from alliance.web.practice.caseload_rows import render_rows

CASELOAD_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.ADMIN)


@login_required
def home(request):
    if request.user.role == Role.RESEARCHER:
        return render(request, "practice/researcher_home.html")
    return redirect("caseload")


@login_required
def caseload(request):
    require_role(request.user, *CASELOAD_ROLES)
    episodes = list(
        episodes_for_user(request.user)
        .filter(ended_on__isnull=True)
        .select_related("client", "practitioner")
        # Only what the caseload shows: no clinical text is read or decrypted.
        .only(
            "id",
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
        )
        .annotate(
            session_count=Count("sessions"),
            last_session_at=Max("sessions__starts_at"),
            critical_open=Exists(
                MeasureResponse.objects.filter(
                    session__episode=OuterRef("pk"),
                    critical=True,
                    critical_acknowledged_at__isnull=True,
                )
            ),
        )
        .order_by("-critical_open", "practitioner__last_name", "client__code")
    )
    risk = caseload_risk(request.user, episodes)
    for episode in episodes:
        episode.risk = risk.get(episode.pk)
    ordered = sort_by_risk(episodes, risk)
    show_risk = request.user.role != Role.ADMIN
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
def client_list(request):
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
