"""Completed episodes for the demo practice, so the outcome pages have meaningful numbers.

Each practitioner gets a run of finished episodes over the last year: PHQ-9 and GAD-7 at
the first and last sessions (and in between), the client's Alliance Check at every
session (session 3 is the one the dashboards use), goals rated at the end, and a mix of
planned and unplanned endings; five clients in six consent to research. Between its first
and last session each episode's scores vary as real answers do (session-to-session noise,
item noise), so that the research report's within-person models have variation to fit. A better session-3 alliance goes with a larger fall in
scores, and practitioners whose alliances are better on average have better outcomes, so
the fair-comparison model and the alliance split have something to find. Deterministic (fixed seed).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.collaboration import actions as collaboration
from alliance.web.insights.demo import alliance_answers, gad7_answers, phq9_answers
from alliance.web.measures.models import Rater, Source
from alliance.web.measures.recording import Administration, record_responses
from alliance.web.practice import actions
from alliance.web.practice.models import Attendance, EndingType, Episode
from alliance.web.research.actions import record_research_consent

SEED = 15
# The session-to-session and item noise of the episodes' answers has its own seed, so that the
# episodes themselves (length, alliance, first and last scores) stay those of SEED.
NOISE_SEED = 16
# SD of a session's Alliance Check around the episode's level (0-10 item mean), and of a
# PHQ-9 total around the episode's straight line: the size of the archive's (research.demo).
ALLIANCE_SD = 0.45
PHQ_SD = 1.5
# A better alliance than usual at one session goes with fewer symptoms at the next, as in
# the archive: the within-person lag the RI-CLPM looks for.
LAG = 1.5
EPISODES_PER_PRACTITIONER = 45
# each practitioner's mean session-3 alliance: practitioners who form better alliances on
# average have better outcomes (the between-practitioner part, Baldwin et al. 2007)
MEAN_ALLIANCE = {"therapist": 7.8, "counsellor": 7.0, "coach": 6.3}
GOAL_TITLES = [
    "Sleep through most nights",
    "Go back to the weekly football",
    "Speak up in team meetings",
    "Spend an evening a week with friends",
]


# Session-to-session wobble of the client's Alliance Check around its level, in quarter
# points, zero at session 3 (the session the dashboards use), for an episode made without a
# random generator. Without it the practice's noise estimate (monitoring.norms) would shrink
# towards zero and flag every ordinary dip. The demo draws its wobble at random instead: a
# wobble shared by every episode is no within-person variation at all (the RI-CLPM found its
# within-person alliance variances not identified).
_WOBBLE = (0.25, -0.5, 0.0, 0.5, -0.25, 0.25, -0.5, 0.25, 0.0, -0.25)


def _wobble(alliance: float, k: int) -> float:
    return min(10.0, max(0.0, alliance + _WOBBLE[k % len(_WOBBLE)]))


def _trajectory(
    first: int, last: int, sessions: int, high: int, rng: random.Random | None, lag: list[float]
) -> list[int]:
    """Scores from ``first`` to ``last`` in equal steps; with ``rng``, the sessions between
    vary around that line (SD ``PHQ_SD``) and fall by ``LAG`` per point of the previous
    session's alliance above the episode's level (``lag``). The first and last stay exact:
    the outcome pages compare them."""
    scores = []
    for k in range(sessions):
        frac = k / (sessions - 1) if sessions > 1 else 1.0
        value = first + (last - first) * frac
        if rng is not None and 0 < k < sessions - 1:
            value += rng.gauss(0, PHQ_SD) - LAG * lag[k - 1]
        scores.append(round(min(high, max(0, value))))
    return scores


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def add_completed_episode(
    practitioner: User,
    *,
    started_on: dt.date,
    phq: tuple[int, int],
    gad: tuple[int, int],
    alliance: float,
    sessions: int = 4,
    ending_type: str = EndingType.PLANNED,
    service: str = "therapy",
    year_of_birth: int | None = None,
    goal: str | None = None,
    batch: list[Administration] | None = None,
    rng: random.Random | None = None,
) -> Episode:
    """Create a client with one finished episode through the real action functions.

    PHQ-9 and GAD-7 go from their first to their last value over the sessions; the Alliance
    Check is ``alliance`` at session 3 and wobbles around it. Without ``rng`` the scores
    move in equal steps, the wobble is a fixed pattern and each form's items are as even as
    possible; with it, the wobble, the scores between the first and last session and the
    items vary at random (see ``_trajectory``). The answers are added to ``batch`` for one
    `record_responses` call by the caller, or recorded at once.
    """
    own_batch = batch is None
    batch = [] if batch is None else batch
    client = actions.create_client(practitioner, year_of_birth=year_of_birth)
    episode = actions.start_episode(practitioner, client, started_on=started_on, service=service)
    if rng is None:
        alliances = [_wobble(alliance, k) for k in range(sessions)]
    else:
        alliances = [
            alliance
            if k == 2
            else min(10.0, max(0.0, round((alliance + rng.gauss(0, ALLIANCE_SD)) * 4) / 4))
            for k in range(sessions)
        ]
    deviations = [a - alliance for a in alliances]
    phqs = _trajectory(*phq, sessions, 27, rng, deviations)
    gads = _trajectory(*gad, sessions, 21, rng, [0.85 * d for d in deviations])
    last_day = started_on
    for k in range(sessions):
        day = started_on + dt.timedelta(days=7 * k)
        session = actions.record_session(
            practitioner, episode, starts_at=_at(day), attendance=Attendance.ATTENDED
        )
        answered = session.starts_at + dt.timedelta(hours=2)
        for instrument_id, answers in (
            ("phq9", phq9_answers(phqs[k], rng=rng)),
            ("gad7", gad7_answers(gads[k], rng=rng)),
            ("alliance-check", alliance_answers(alliances[k], rng=rng)),
        ):
            batch.append(
                Administration.for_session(
                    session, instrument_id, answers, rater=Rater.CLIENT, submitted_at=answered
                )
            )
        last_day = day
    if goal:
        made = collaboration.add_goal(
            practitioner,
            episode,
            title=goal,
            level_minus_2="Much less than expected",
            level_0="As agreed",
            level_plus_2="Much more than expected",
        )
        level = 1 if phq[1] < phq[0] - 5 else (0 if phq[1] < phq[0] else -1)
        collaboration.rate_goals(practitioner, episode, {made: level})
    if own_batch:
        assert practitioner.organisation is not None  # the demo's staff belong to its practice
        _record(practitioner.organisation, batch)
    actions.end_episode(practitioner, episode, ended_on=last_day, ending_type=ending_type)
    return episode


def _record(organisation: Organisation, batch: list[Administration]) -> None:
    """Record the demo's past answers in one call, as an import of historical data."""
    record_responses(
        None,
        batch,
        source=Source.CHECK,
        organisation=organisation,
        summary=f"demo: {len(batch)} answers of completed episodes",
        historical=True,
        read_back=False,
    )


def load_demo_outcomes(
    organisation: Organisation,
    anchor: dt.date | None = None,
    *,
    per_practitioner: int = EPISODES_PER_PRACTITIONER,
) -> int:
    """Add finished episodes to each demo practitioner; return how many."""
    anchor = anchor or timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not security
    noise = random.Random(NOISE_SEED)  # noqa: S311 - synthetic demo data, not security
    made = 0
    services = {"therapist": "therapy", "counsellor": "counselling", "coach": "coaching"}
    practitioners = User.objects.filter(organisation=organisation, role=Role.PRACTITIONER)
    batch: list[Administration] = []
    with transaction.atomic():
        for practitioner in practitioners.order_by("username"):
            mean_alliance = MEAN_ALLIANCE.get(practitioner.username, 7.0)
            for i in range(per_practitioner):
                sessions = rng.choice([2, 3, 4, 4, 5, 6, 6, 8])
                # spread over the last four quarters, each episode ending before the anchor
                started = anchor - dt.timedelta(days=410 - 8 * i + rng.randint(0, 10))
                started = min(started, anchor - dt.timedelta(days=7 * sessions + 1))
                alliance = min(10.0, max(2.0, rng.gauss(mean_alliance, 1.2)))
                phq0 = rng.randint(6, 22)
                gad0 = max(0, min(21, phq0 - rng.randint(0, 6)))
                fall = 1.5 * (mean_alliance - 7.0) + 0.4 * (alliance - mean_alliance)
                fall += rng.gauss(7.5, 4.5) * (0.3 if sessions <= 2 else 1.0)
                if rng.random() < 0.07:  # a few clients get reliably worse
                    fall = -rng.randint(6, 9)
                phq1 = max(0, min(27, round(phq0 - fall)))
                gad1 = max(0, min(21, round(gad0 - 0.85 * fall + rng.gauss(0, 1.5))))
                unplanned = sessions <= 3 and rng.random() < 0.6
                episode = add_completed_episode(
                    practitioner,
                    started_on=started,
                    phq=(phq0, phq1),
                    gad=(gad0, gad1),
                    alliance=round(alliance * 4) / 4,
                    sessions=sessions,
                    ending_type=EndingType.UNPLANNED if unplanned else EndingType.PLANNED,
                    service=services.get(practitioner.username, "therapy"),
                    year_of_birth=anchor.year - rng.randint(19, 70),
                    goal=GOAL_TITLES[i % len(GOAL_TITLES)] if i % 2 == 0 else None,
                    batch=batch,
                    rng=noise,
                )
                if i % 6 != 5:  # most clients consent to research; every sixth was not asked
                    record_research_consent(practitioner, episode.client, given_on=started)
                made += 1
        _record(organisation, batch)
    return made
