"""Adding a client and the client's page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role
from alliance.web.audit.log import record
from alliance.web.collaboration.client_panel import collaboration_flags, collaboration_panel
from alliance.web.forms import add_action_errors
from alliance.web.insights.client_panel import client_insights
from alliance.web.intake.models import IntakeRequest
from alliance.web.measures.summary import ScoredRow, rows_for_episodes
from alliance.web.pages.client_timeline import timeline_items
from alliance.web.pages.common import sources_of
from alliance.web.practice import actions
from alliance.web.practice.access import (
    can_read_clinical_text,
    can_write_clinical,
    client_for_user,
)
from alliance.web.practice.forms import ClientForm
from alliance.web.practice.models import PHASE_ORDER, Episode, Phase, PhaseChange, Session
from alliance.web.practice.vocabulary import words
from alliance.web.research.client_panel import research_consent_panel
from alliance.web.transcripts.panel import client_consent_panel


@login_required
def client_new(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.PRACTITIONER)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client = actions.create_client(request.user, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("client", client_id=client.public_id)
    return render(request, "practice/client_form.html", {"form": form})


def _group_by_phase(sessions):
    groups: dict[Phase, list[Session]] = {phase: [] for phase in PHASE_ORDER}
    for session in sessions:
        groups[Phase(session.phase)].append(session)
    return [(phase, groups[phase]) for phase in PHASE_ORDER if groups[phase]]


def _latest(sessions):
    """The most recent scored row per instrument and rater, in instrument order."""
    latest = {}
    for session in sessions:
        for row in session.scored_rows:
            latest[(row.response.instrument_id, row.response.rater)] = row
    return [latest[key] for key in sorted(latest)]


def _last_check(sessions):
    """The most recent check of these sessions (prefetched), or None."""
    checks = [c for s in sessions for c in s.checks.all()]
    return max(checks, key=lambda c: (c.created_at, c.pk), default=None)


@login_required
def client_detail(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = client_for_user(request.user, client_id)
    # Any: the page hangs its display values (sessions by phase, latest rows, words) on each
    # episode, and each session's scored rows on the session.
    episodes: list[Any] = list(
        Episode.objects.filter(client=client)
        .select_related("practitioner")
        .prefetch_related(
            Prefetch(
                "sessions",
                # The page shows no session note: it is left encrypted and unread.
                queryset=Session.objects.order_by("number")
                .defer("note")
                .prefetch_related("checks"),
            ),
            Prefetch(
                "phase_changes",
                queryset=PhaseChange.objects.select_related("changed_by").order_by(
                    "changed_on", "id"
                ),
            ),
        )
        .annotate(**collaboration_flags())  # no query for a kind of record none has
        .order_by("-started_on", "-id")
    )
    rows = rows_for_episodes(episodes)
    # A client who asked through the public page's intake form referred themselves.
    self_referred = set(
        IntakeRequest.objects.filter(episode__in=[e.pk for e in episodes]).values_list(
            "episode_id", flat=True
        )
    )
    critical: list[ScoredRow] = []
    shown_rows: list[ScoredRow] = []
    for episode in episodes:
        sessions = list(episode.sessions.all())
        for session in sessions:
            session.scored_rows = rows.get(session.id, [])
            shown_rows.extend(session.scored_rows)
            critical.extend(
                row
                for row in session.scored_rows
                if row.response.critical and row.response.critical_acknowledged_at is None
            )
        episode.sessions_by_phase = [
            (phase, timeline_items(group)) for phase, group in _group_by_phase(sessions)
        ]
        episode.latest_rows = _latest(sessions)
        episode.words = words(episode)
        episode.reason_label = (
            episode.words["self_reason"] if episode.pk in self_referred else episode.words["reason"]
        )
        episode.last_session = sessions[-1] if sessions else None
        episode.last_check = _last_check(sessions)
        # Answers entered in the session or imported come without a check link.
        episode.last_answered = next((s for s in reversed(sessions) if s.scored_rows), None)
    open_episodes = [e for e in episodes if e.is_active]
    record(request.user, "view", client, summary=f"client page {client.code}")
    return render(
        request,
        "practice/client_detail.html",
        {
            **client_insights(request.user, client, episodes),
            **research_consent_panel(request.user, client),
            **client_consent_panel(request.user, client),
            **collaboration_panel(request.user, client, episodes),
            "client": client,
            "episodes": episodes,
            "open_episodes": open_episodes,
            # Without an open episode, the page speaks the words of the practitioner's kind.
            "client_words": open_episodes[0].words if open_episodes else words(client.practitioner),
            "sources": sources_of(shown_rows),
            "can_write": can_write_clinical(request.user, client),
            "can_read_text": can_read_clinical_text(request.user, client),
            "critical": critical,
        },
    )
