"""One screen before a session: alliance and outcome, signals, goals, notes, tasks, ritual."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from alliance.web.audit.log import record
from alliance.web.collaboration.client_panel import episode_collaboration
from alliance.web.collaboration.models import ClientNote
from alliance.web.insights.access import alerts_for_user
from alliance.web.insights.models import AlertState
from alliance.web.measures.summary import episode_rows
from alliance.web.practice.access import (
    can_read_clinical_text,
    can_write_clinical,
    session_for_user,
)


def _latest_by_kind(rows_by_session, sessions):
    """The latest scored row per instrument and rater, split into alliance and outcome."""
    latest = {}
    for session in sessions:
        for row in rows_by_session.get(session.id, []):
            latest[(row.response.instrument_id, row.response.rater)] = row
    alliance, outcome = [], []
    for key in sorted(latest):
        row = latest[key]
        construct = row.instrument.construct if row.instrument else ""
        (alliance if construct == "alliance" else outcome).append(row)
    return alliance, outcome


@login_required
def session_prep(request, session_id):
    session = session_for_user(request.user, session_id)
    episode = session.episode
    client = episode.client
    sessions = list(episode.sessions.order_by("number"))
    alliance, outcome = _latest_by_kind(episode_rows(episode), sessions)
    alerts = [
        a
        for a in alerts_for_user(request.user).filter(episode=episode).order_by("-id")
        if a.effective_state() in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    ]
    collab = episode_collaboration([episode])[0]
    can_read_text = can_read_clinical_text(request.user, client)
    notes = list(ClientNote.objects.filter(client=client, seen_at__isnull=True))
    record(request.user, "view", session, summary=f"prep for session {session.number}")
    return render(
        request,
        "collaboration/session_prep.html",
        {
            "session": session,
            "episode": episode,
            "client": client,
            "alliance_rows": alliance,
            "outcome_rows": outcome,
            "alerts": alerts,
            "collab": collab,
            "open_tasks": [t for t in collab.tasks if t.status == "open"],
            "client_notes": notes,
            "can_read_text": can_read_text,
            "can_write": can_write_clinical(request.user, client),
        },
    )
