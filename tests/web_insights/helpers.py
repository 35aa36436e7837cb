"""Small builders of scored sessions for the monitoring tests."""

from __future__ import annotations

from alliance.web.insights.demo import alliance_answers, phq9_answers
from alliance.web.measures.actions import _store
from alliance.web.measures.models import Rater, Source
from tests.factories import make_session


def rated_session(
    episode, day: int, alliance: float, *, tension=None, mine=None, phq=None, item9=0
):
    """Log a session and store the client's Alliance Check (and optionally more) for it."""
    session = make_session(episode, days_after_start=day)
    extra = {}
    if tension is not None:
        extra = {"tension": 1, "bother": tension[0], "resolved": tension[1]}
    _store(
        session,
        "alliance-check",
        alliance_answers(alliance, **extra),
        rater=Rater.CLIENT,
        source=Source.CHECK,
    )
    if mine is not None:
        _store(
            session,
            "alliance-check-practitioner",
            alliance_answers(mine),
            rater=Rater.PRACTITIONER,
            source=Source.PRACTITIONER,
        )
    if phq is not None:
        _store(
            session, "phq9", phq9_answers(phq, item9=item9), rater=Rater.CLIENT, source=Source.CHECK
        )
    return session
