"""Synthetic, deterministic measures for the demo practice, so that every signal appears.

Most clients improve steadily; a few are given a story each: a rupture that was repaired,
one that was not, a weak early alliance, a client not on track, a disagreement between
client and practitioner, a critical answer, checks left unanswered, and a rupture still
open after the last session. Then the monitoring runs, as ``alliance monitor-all`` would.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.insights.evidence import session_span
from alliance.web.insights.models import Alert, AlertType, PracticeMonitoringSettings
from alliance.web.insights.services import monitor_organisation
from alliance.web.measures.models import Check, MeasureResponse, Rater, Source, hash_token
from alliance.web.measures.recording import Administration, record_responses
from alliance.web.practice.models import Attendance, Episode, Service, Session

# The demo practice keeps the default settings: the Alliance Check's conservative low
# cut-off (5) and noise (0.8) apply until the practice has data of its own (issue 12).
DEMO_SETTINGS: dict = {}
ANSWER_SEED = 20261207
# When the demo's client answers a check, and when an unanswered check expires.
ANSWERED_AFTER = dt.timedelta(hours=2)
UNANSWERED_AFTER = dt.timedelta(hours=72)

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


def spread_items(
    total: int, n: int, low: int, high: int, *, rng: random.Random | None = None, sd: float = 0
) -> list[int]:
    """Return n answers in [low, high] that sum to ``total`` (clipped to the range).

    Without ``rng`` the answers are as even as possible. With it, each answer is the even
    share plus its own normal noise (``sd``), rounded, clipped and nudged back so that the
    sum, and so every score the demo's stories rely on, stays exactly the same. Across
    clients whose totals differ this is a one-factor model: the total is the common
    factor, the noise each item's unique part, so items correlate but not perfectly
    (the research report's alpha, omega and item-total correlations are plausible).
    """
    even = _spread(total, n, low, high)
    if rng is None or sd <= 0:
        return even
    target = sum(even)
    values = [min(high, max(low, round(v + rng.gauss(0, sd)))) for v in even]
    while (diff := target - sum(values)) != 0:
        step = 1 if diff > 0 else -1
        room = [i for i, v in enumerate(values) if low <= v + step <= high]
        # Nudge the answer that moved furthest the other way first (ties at random).
        values[max(room, key=lambda i: ((even[i] - values[i]) * step, rng.random()))] += step
    return values


def alliance_answers(
    total: float, *, tension=0, bother=None, resolved=None, rng: random.Random | None = None
) -> dict:
    items = spread_items(round(total * 4), 4, 0, 10, rng=rng, sd=1.1)
    answers = {str(i + 1): v for i, v in enumerate(items)}
    answers["5"] = tension
    answers["6"] = bother
    answers["7"] = resolved
    return answers


def phq9_answers(total: int, *, item9: int = 0, rng: random.Random | None = None) -> dict:
    # Item 9 (thoughts of self-harm) is never noise: it raises the critical-answer alert.
    items = spread_items(total - item9, 8, 0, 3, rng=rng, sd=0.6)
    return {**{str(i + 1): v for i, v in enumerate(items)}, "9": item9}


def gad7_answers(total: int, *, rng: random.Random | None = None) -> dict:
    return {str(i + 1): v for i, v in enumerate(spread_items(total, 7, 0, 3, rng=rng, sd=0.6))}


def who5_answers(raw: int, *, rng: random.Random | None = None) -> dict:
    return {str(i + 1): v for i, v in enumerate(spread_items(raw, 5, 0, 5, rng=rng, sd=0.8))}


def flourishing_answers(total: int, *, rng: random.Random | None = None) -> dict:
    return {str(i + 1): v for i, v in enumerate(spread_items(total, 8, 1, 7, rng=rng, sd=0.9))}


def _healthy_alliance(k: int, seed: int = 0) -> float:
    """A healthy client's alliance at the k-th session: slow growth plus ordinary noise."""
    noise = _ALLIANCE_NOISE[(k + seed) % len(_ALLIANCE_NOISE)]
    return min(10.0, max(0.0, min(9.25, 6.5 + 0.25 * k) + noise))


def _store_session(
    batch, session, k, number, story, attended_count, service, rng=None, position=0
) -> None:
    """Add the responses of the k-th attended session (0-based) of an episode to `batch`."""
    when = session.starts_at + ANSWERED_AFTER
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
    _add(
        batch,
        session,
        "alliance-check",
        alliance_answers(alliance, **tension, rng=rng),
        rater=Rater.CLIENT,
        source=Source.CHECK,
        submitted_at=when,
    )
    _add(
        batch,
        session,
        "alliance-check-practitioner",
        alliance_answers(mine, rng=rng),
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
        _add(
            batch,
            session,
            "phq9",
            phq9_answers(phq + item9, item9=item9, rng=rng),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )
        _add(
            batch,
            session,
            "gad7",
            gad7_answers(gad, rng=rng),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )
    elif number % 4 == 1 or last:
        _add(
            batch,
            session,
            "who5",
            who5_answers(min(25, 14 + number // 2), rng=rng),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )
        _add(
            batch,
            session,
            "flourishing",
            flourishing_answers(min(56, 38 + number), rng=rng),
            rater=Rater.CLIENT,
            source=Source.CHECK,
            submitted_at=when,
        )


def _add(batch, session, instrument_id, answers, *, rater, source, submitted_at) -> None:
    batch.append(
        Administration.for_session(
            session, instrument_id, answers, rater=rater, source=source, submitted_at=submitted_at
        )
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
        expires_at=session.starts_at + UNANSWERED_AFTER,
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


def raised_at(alert, session_starts: dict[tuple[int, int], dt.datetime]) -> dt.datetime | None:
    """Return when the demo's data would have raised ``alert``: when the client's answers
    to its session came in (two hours after it started), or for unanswered checks when the
    last of them expired."""
    first, last = session_span(alert)
    if alert.type == AlertType.MISSING_CHECKS and last is not None:
        starts = session_starts.get((alert.episode_id, last))
        return starts + UNANSWERED_AFTER if starts else None
    starts = session_starts.get((alert.episode_id, first)) if first is not None else None
    return starts + ANSWERED_AFTER if starts else None


def date_alerts_by_their_sessions(organisation: Organisation, *, created_since: dt.datetime) -> int:
    """Give the alerts the monitoring just created the date their session raised them.

    The demo's sessions lie weeks in the past, but the monitoring runs once at load time, so
    every alert would say it was raised on the day the demo was loaded. Return how many
    alerts were re-dated.
    """
    alerts = list(Alert.objects.filter(organisation=organisation, opened_at__gte=created_since))
    if not alerts:
        return 0
    session_starts = {
        (episode_id, number): starts
        for episode_id, number, starts in Session.objects.filter(
            episode_id__in={a.episode_id for a in alerts}
        ).values_list("episode_id", "number", "starts_at")
    }
    changed = []
    for alert in alerts:
        when = raised_at(alert, session_starts)
        if when is None or when >= alert.opened_at:
            continue
        alert.opened_at = when
        if alert.acknowledged_at is not None:
            alert.acknowledged_at = max(alert.acknowledged_at, when)
        changed.append(alert)
    Alert.objects.bulk_update(changed, ["opened_at", "acknowledged_at"], batch_size=500)
    return len(changed)


def refresh_demo_signals(organisation: Organisation, since: dt.datetime | None = None) -> None:
    """Run the monitoring over the practice, as ``alliance monitor-all`` would, and date
    the alerts raised since ``since`` (default: now) by their sessions."""
    started = since or timezone.now()
    monitor_organisation(organisation)
    date_alerts_by_their_sessions(organisation, created_since=started)


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
        refresh_demo_signals(organisation)
        return {e.client.code: stories[e.pk] for e in episodes if e.pk in stories}
    rng = random.Random(ANSWER_SEED)  # noqa: S311 - synthetic demo data, not security
    # Critical answers are flagged when the recording commits: their alerts are re-dated too.
    started = timezone.now()
    with transaction.atomic():
        PracticeMonitoringSettings.objects.update_or_create(
            organisation=organisation, defaults={"settings": DEMO_SETTINGS}
        )
        batch: list[Administration] = []
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
                    batch,
                    session,
                    k,
                    session.number,
                    story,
                    len(attended),
                    episode.service,
                    rng,
                    position,
                )
        # One call for the whole demo: its answers are recorded, audited and alerted as any
        # import of historical data (see measures.recording), each episode refreshed once.
        record_responses(
            None,
            batch,
            source=Source.CHECK,
            organisation=organisation,
            summary=f"demo: {len(batch)} synthetic responses",
            historical=True,
            read_back=False,
        )
    # No refit here: a fitted corridor needs 50 completed episodes, and the caseload has only
    # a few ended ones. alliance.web.demo.load_demo fits the corridors once the past clients
    # and the completed episodes are loaded too.
    refresh_demo_signals(organisation, since=started)
    return {e.client.code: stories[e.pk] for e in episodes if e.pk in stories}
