"""One screen before a session: alliance and outcome, signals, goals, notes, tasks, ritual.

"Prepare the next session" (from the client page) prepares the session after the last one
logged, with everything known so far. Preparing a logged session (from its own page) shows
the scores up to and including it.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.audit.log import record
from alliance.web.collaboration.client_panel import episode_collaboration
from alliance.web.collaboration.models import ClientNote
from alliance.web.insights.access import alerts_for_user
from alliance.web.insights.models import AlertState
from alliance.web.measures.summary import ScoredRow, episode_rows
from alliance.web.pages.common import sources_of
from alliance.web.practice.access import (
    can_read_clinical_text,
    can_write_clinical,
    episode_for_user,
    session_for_user,
)
from alliance.web.practice.models import Episode, Session


def _latest_by_kind(
    rows_by_session: dict[int, list[ScoredRow]], sessions: Iterable[Session]
) -> tuple[list[ScoredRow], list[ScoredRow]]:
    """The latest scored row per instrument and rater, split into alliance and outcome."""
    latest: dict[tuple[str, str], ScoredRow] = {}
    for session in sessions:
        for row in rows_by_session.get(session.id, []):
            latest[(row.response.instrument_id, row.response.rater)] = row
    alliance: list[ScoredRow] = []
    outcome: list[ScoredRow] = []
    for key in sorted(latest):
        row = latest[key]
        construct = row.instrument.construct if row.instrument else ""
        (alliance if construct == "alliance" else outcome).append(row)
    return alliance, outcome


@login_required
def session_prep(request: AuthenticatedRequest, session_id: UUID) -> HttpResponse:
    session = session_for_user(request.user, session_id)
    record(request.user, "view", session, summary=f"prep for session {session.number}")
    return _prep(request, session.episode, session.number, session, up_to=session.number)


@login_required
def episode_prep(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id)
    last = episode.sessions.order_by("-number").first()
    number = last.number + 1 if last else 1
    record(request.user, "view", episode, summary=f"prep for the next session ({number})")
    return _prep(request, episode, number, None, up_to=number - 1)


def _prep(
    request: AuthenticatedRequest,
    episode: Episode,
    number: int,
    session: Session | None,
    *,
    up_to: int,
) -> HttpResponse:
    """Render the prep screen for session ``number`` with the scores of sessions 1…``up_to``.

    ``session`` is the session itself when it is already logged, else None.
    """
    client = episode.client
    earlier = list(episode.sessions.filter(number__lte=up_to).order_by("number"))
    alliance, outcome = _latest_by_kind(episode_rows(episode), earlier)
    alerts = [
        a
        for a in alerts_for_user(request.user).filter(episode=episode).order_by("-id")
        if a.effective_state() in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
    ]
    collab = episode_collaboration([episode])[0]
    can_read_text = can_read_clinical_text(request.user, client)
    notes = list(ClientNote.objects.filter(client=client, seen_at__isnull=True))
    return render(
        request,
        "collaboration/session_prep.html",
        {
            "number": number,
            "session": session,
            "last_session": earlier[-1] if earlier else None,
            "episode": episode,
            "client": client,
            "alliance_rows": alliance,
            "outcome_rows": outcome,
            "sources": sources_of(alliance + outcome),
            "alerts": alerts,
            "collab": collab,
            "open_tasks": [t for t in collab.tasks if t.status == "open"],
            "client_notes": notes,
            "can_read_text": can_read_text,
            "can_write": can_write_clinical(request.user, client),
        },
    )
