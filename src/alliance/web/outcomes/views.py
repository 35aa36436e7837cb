"""Outcome dashboards, the research model and a client's progress report. Views stay thin."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from alliance.outcomes.practice import BENCHMARKS, MIN_CELL
from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.outcomes import access, dashboards, report
from alliance.web.outcomes.data import outcome_table
from alliance.web.outcomes.forms import DashboardForm, ReportForm

TITLES = {
    "mine": "My outcomes",
    "supervision": "Outcomes by practitioner",
    "practice": "Practice outcomes",
}


def _dashboard(request: AuthenticatedRequest, page: str) -> HttpResponse:
    practitioners = list(access.dashboard_practitioners(request.user, page))
    form = DashboardForm(request.GET or None)
    min_sessions, covariates = form.settings()
    table = outcome_table(access.practice_episodes(request.user))
    names = {p.pk: str(p) for p in practitioners}
    import polars as pl

    cells = []
    if page == "practice":
        cells.append(dashboards.build_cell("Whole practice", table, min_sessions=min_sessions))
        for service in sorted(set(table["service"].to_list())):
            part = table.filter(pl.col("service") == service)
            cells.append(dashboards.build_cell(service.title(), part, min_sessions=min_sessions))
    else:
        for p in practitioners:
            part = table.filter(pl.col("practitioner_id") == p.pk)
            cells.append(dashboards.build_cell(names[p.pk], part, min_sessions=min_sessions))
    practice = dashboards.build_cell("The practice", table, min_sessions=min_sessions, detail=False)
    effects = dashboards.effects_rows(
        table, names, access.effects_visible_to(request.user) & set(names), covariates
    )
    return render(
        request,
        "outcomes/dashboard.html",
        {
            "page": page,
            "title": TITLES[page],
            "cells": cells,
            "practice": practice,
            "effects": effects,
            "form": form,
            "min_sessions": min_sessions,
            "min_cell": MIN_CELL,
            "benchmarks": BENCHMARKS,
        },
    )


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    return _dashboard(request, "mine")


@login_required
def supervision(request: AuthenticatedRequest) -> HttpResponse:
    return _dashboard(request, "supervision")


@login_required
def practice(request: AuthenticatedRequest) -> HttpResponse:
    return _dashboard(request, "practice")


@login_required
def research(request: AuthenticatedRequest) -> HttpResponse:
    access.require_outcome_research(request.user)
    table = report.consented_table(request.user.organisation)
    return render(
        request,
        "outcomes/research.html",
        {"split": dashboards.alliance_split(table), "min_cell": MIN_CELL},
    )


@login_required
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    clients = access.report_clients_for_user(request.user).order_by("code")
    return render(request, "outcomes/report_list.html", {"clients": clients})


@login_required
def progress_report(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = access.report_client_for_user(request.user, client_id)
    form = ReportForm(request.GET or None)
    episode_id, include_notes = report.options(form)
    context = report.build(request.user, client, episode_id, include_notes=include_notes)
    report.record_report(request.user, client, "view", include_notes)
    return render(request, "outcomes/progress_report.html", {**context, "form": form})


@login_required
@require_POST
def progress_report_pdf(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    # A POST: each download writes an audit entry, and a PDF is not a page to link to.
    client = access.report_client_for_user(request.user, client_id)
    episode_id, include_notes = report.options(ReportForm(request.POST))
    context = report.build(request.user, client, episode_id, include_notes=include_notes)
    pdf = report.render_pdf(request, context)
    report.record_report(request.user, client, "export", include_notes)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="progress-{client.code}.pdf"'
    return response
