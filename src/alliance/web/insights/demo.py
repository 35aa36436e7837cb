"""Synthetic, deterministic measures for the demo practice, so that every signal appears.

Most clients improve steadily; a few are given a story each: a rupture that was repaired,
one that was not, a weak early alliance, a client not on track, a disagreement between
client and practitioner, a critical answer, checks left unanswered, and a rupture still
open after the last session. Then the monitoring runs, as ``alliance monitor-all`` would.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction

from alliance.web.accounts.models import Organisation
from alliance.web.insights.models import MonitoringSettings
from alliance.web.insights.services import monitor_organisation
from alliance.web.measures.actions import _store
from alliance.web.measures.models import Check, MeasureResponse, Rater, Source, hash_token
from alliance.web.practice.models import Attendance, Episode, Service

# The demo practice keeps the default settings: the Alliance Check's conservative low
# cut-off (5) and noise (0.8) apply until the practice has data of its own (issue 12).
DEMO_SETTINGS: dict = {}

# Session-to-session measurement noise of the demo's scores (deterministic, so the demo is
# the same on every machine): quarter points on the Alliance Check's 0-10 mean, whole points
# on the PHQ-9, the size the calibration simulation uses. A smooth line would never show a
# practitioner what an ordinary wobble looks like next to a rupture.
_ALLIANCE_NOISE = (0.0, 0.25, -0.25, 0.5, 0.0, -0.5, 0.25, 0.0, -0.25, 0.25, 0.0, -0.25)
_PHQ_NOISE = (0, 1, -1, 0, 2, -1, 0, 1, -2, 0, 1, 0)

# story: (preferred practitioner, smallest number of attended sessions it needs)
STORIES = {
    "repaired": ("therapist", 7),
    "unrepaired": ("therapist", 8),
    "not_on_track": ("therapist", 5),
    "early": ("therapist", 3),
    "critical": ("therapist", 2),
    "disagreement": ("counsellor", 3),
    "missing": ("counsellor", 5),
    "open_rupture": ("coach", 5),
}


def _spread(total: int, n: int, low: int, high: int) -> list[int]:
    """Return n integers in [low, high] summing to total (as evenly as possible)."""
    total = max(low * n, min(high * n, total))
    base, extra = divmod(total - low * n, n)
    return [low + base + (1 if i < extra else 0) for i in range(n)]


def alliance_answers(total: float, *, tension=0, bother=None, resolved=None) -> dict:
    items = _spread(round(total * 4), 4, 0, 10)
    answers = {str(i + 1): v for i, v in enumerate(items)}
    answers["5"] = tension
    answers["6"] = bother
    answers["7"] = resolved
    return answers


def phq9_answers(total: int, *, item9: int = 0) -> dict:
    items = _spread(total - item9, 8, 0, 3)
    return {**{str(i + 1): v for i, v in enumerate(items)}, "9": item9}


def gad7_answers(total: int) -> dict:
    return {str(i + 1): v for i, v in enumerate(_spread(total, 7, 0, 3))}


def who5_answers(raw: int) -> dict:
    return {str(i + 1): v for i, v in enumerate(_spread(raw, 5, 0, 5))}


def flourishing_answers(total: int) -> dict:
    return {str(i + 1): v for i, v in enumerate(_spread(total, 8, 1, 7))}


def _healthy_alliance(k: int, seed: int = 0) -> float:
    """A healthy client's alliance at the k-th session: slow growth plus ordinary noise."""
    noise = _ALLIANCE_NOISE[(k + seed) % len(_ALLIANCE_NOISE)]
    return min(10.0, max(0.0, min(9.25, 6.5 + 0.25 * k) + noise))


def _store_session(session, k, number, story, attended_count, service, position=0) -> None:
    """Store the responses of the k-th attended session (0-based) of an episode."""
    when = session.starts_at + dt.timedelta(hours=2)
    last = k == attended_count - 1
    # The episode's position in the demo (not its database id) picks its noise: the same
    # demo on every database.
    alliance = _healthy_alliance(k, position)
    tension = {}
    mine = max(0.0, alliance - 0.75)
    if story == "repaired" and k == 5:
        alliance, mine, tension = 4.5, 6.0, {"tension": 1, "bother": 4, "resolved": 2}
    elif story == "repaired" and k > 5:
        alliance = min(9.5, 8.5 + 0.25 * (k - 6))
        mine = alliance - 0.75
    elif story == "unrepaired" and k == attended_count - 4:
        alliance, mine, tension = 4.5, 6.0, {"tension": 1, "bother": 3, "resolved": 1}
    elif story == "unrepaired" and k > attended_count - 4:
        # Back above the low cut-off but never to the pre-rupture level: not repaired.
        alliance, mine = 5.75, 6.0
    elif story == "early":
        alliance, mine = 4.25, 6.5
    elif story == "open_rupture" and last:
        alliance, mine, tension = 4.0, 7.0, {"tension": 1, "bother": 5, "resolved": 1}
    elif story == "disagreement" and last:
        alliance, mine = 8.75, 5.0
    _store(
        session,
        "alliance-check",
        alliance_answers(alliance, **tension),
        rater=Rater.CLIENT,
        source=Source.CHECK,
        submitted_at=when,
    )
    _store(
        session,
        "alliance-check-practitioner",
        alliance_answers(mine),
        rater=Rater.PRACTITIONER,
        source=Source.PRACTITIONER,
        submitted_at=when,
    )
    if service in (Service.THERAPY, Service.COUNSELLING):
        wobble = _PHQ_NOISE[(number + position) % len(_PHQ_NOISE)]
        phq = max(3, 15 - round(1.2 * (number - 1)) + wobble)
        gad = max(3, 12 - (number - 1))
        if story == "not_on_track":
            phq = min(24, 11 + 2 * k)
        item9 = 1 if story == "critical" and last else 0
        _store(
            session,
            "phq9",
            phq9_answers(phq + item9, item9=item9),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )
        _store(
            session,
            "gad7",
            gad7_answers(gad),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )
    elif number % 4 == 1 or last:
        _store(
            session,
            "who5",
            who5_answers(min(25, 14 + number // 2)),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )
        _store(
            session,
            "flourishing",
            flourishing_answers(min(56, 38 + number)),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )


def _unanswered_check(session) -> None:
    token = secrets.token_urlsafe(24)
    Check.objects.create(
        organisation=session.organisation,
        session=session,
        instrument_ids=["alliance-check"],
        token_hash=hash_token(token),
        token=token,
        created_at=session.starts_at + dt.timedelta(hours=1),
        expires_at=session.starts_at + dt.timedelta(hours=72),
        created_by=session.episode.practitioner,
    )


def assign_stories(episodes: list[Episode]) -> dict[int, str]:
    """Give each story to the first active episode of its practitioner that fits it."""
    taken: dict[int, str] = {}
    for story, (username, needs) in STORIES.items():
        for episode in episodes:
            attended = sum(s.attendance == Attendance.ATTENDED for s in episode.sessions.all())
            if (
                episode.pk not in taken
                and episode.is_active
                and episode.practitioner.username == username
                and attended >= needs
                and (story != "early" or attended <= 6)
            ):
                taken[episode.pk] = story
                break
    return taken


def load_demo_measures(organisation: Organisation) -> dict[str, str]:
    """Add the demo's responses and checks, then run the monitoring; return story by client code."""
    episodes = list(
        Episode.objects.filter(organisation=organisation)
        .select_related("client", "practitioner")
        .prefetch_related("sessions")
        .order_by("id")
    )
    stories = assign_stories(episodes)
    if MeasureResponse.objects.filter(organisation=organisation).exists():
        # Already loaded (the demo loader calls this too): only refresh the signals.
        monitor_organisation(organisation)
        return {e.client.code: stories[e.pk] for e in episodes if e.pk in stories}
    with transaction.atomic():
        MonitoringSettings.objects.update_or_create(
            organisation=organisation, defaults={"settings": DEMO_SETTINGS}
        )
        for position, episode in enumerate(episodes):
            story = stories.get(episode.pk, "healthy")
            sessions = sorted(episode.sessions.all(), key=lambda s: s.number)
            skip = set()
            if story == "missing":
                for session in sessions[-3:]:
                    _unanswered_check(session)
                    skip.add(session.pk)
            attended = [
                s for s in sessions if s.attendance == Attendance.ATTENDED and s.pk not in skip
            ]
            for k, session in enumerate(attended):
                _store_session(
                    session, k, session.number, story, len(attended), episode.service, position
                )
    # No refit: a fitted corridor needs 50 completed episodes; the demo has a handful, so its
    # charts show the rational rule (``alliance refit-recovery`` fits one on real data).
    monitor_organisation(organisation)
    return {e.client.code: stories[e.pk] for e in episodes if e.pk in stories}
