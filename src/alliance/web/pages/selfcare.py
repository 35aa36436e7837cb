"""The self-care pages: the weekly check-in and its summary, for the practitioner themself only.

On the entry floor because they compose three features: the journal's check-ins and trend,
the measures' form for an instrument (the WHO-5), and the insights' count of open alerts
in the caseload load panel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.instruments import load_instrument
from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role, User
from alliance.web.forms import add_action_errors
from alliance.web.insights.caseload import open_alert_count
from alliance.web.journal import actions
from alliance.web.journal.access import checkins_for_user
from alliance.web.journal.selfcare import trend_chart, worsening
from alliance.web.measures.forms import InstrumentForm
from alliance.web.practice.access import clients_for_user, sessions_for_user


@dataclass(frozen=True)
class Load:
    active_clients: int
    sessions_this_week: int
    open_alerts: int


def caseload_load(user: User, *, today: dt.date | None = None) -> Load:
    """Count the practitioner's active clients, this week's sessions and open alerts."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    own_clients = clients_for_user(user).filter(
        episodes__practitioner=user, episodes__ended_on__isnull=True
    )
    sessions = sessions_for_user(user).filter(
        episode__practitioner=user,
        starts_at__date__gte=monday,
        starts_at__date__lt=monday + dt.timedelta(days=7),
    )
    return Load(own_clients.distinct().count(), sessions.count(), open_alert_count(user))


@login_required
def self_care(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.PRACTITIONER)
    checkins = list(checkins_for_user(request.user).order_by("week_of")[:104])
    this_week = actions.week_of(timezone.localdate())
    return render(
        request,
        "journal/self_care.html",
        {
            "checkins": checkins,
            "latest": checkins[-1] if checkins else None,
            "done_this_week": bool(checkins and checkins[-1].week_of == this_week),
            "chart": trend_chart(checkins),
            "worse": worsening(checkins),
            "load": caseload_load(request.user),
        },
    )


@login_required
def self_care_check_in(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.PRACTITIONER)
    instrument = load_instrument(actions.SELF_CARE_INSTRUMENT)
    lang = getattr(request, "LANGUAGE_CODE", "en")
    form = InstrumentForm(request.POST or None, instrument=instrument, lang=lang)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_checkin(request.user, form.answers())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your check-in is saved, for you alone."))
            return redirect("self_care")
    return render(
        request,
        "journal/self_care_check_in.html",
        {"form": form, "instructions": instrument.instructions(lang), "lang": lang},
    )
