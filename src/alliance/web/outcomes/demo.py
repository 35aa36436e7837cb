"""Completed episodes for the demo practice, so the outcome pages have meaningful numbers.

Each practitioner gets a run of finished episodes over the last year: PHQ-9 and GAD-7 at
the first and last sessions (and in between), the client's Alliance Check at every
session (session 3 is the one the dashboards use), goals rated at the end, and a mix of
planned and unplanned endings; five clients in six consent to research. A better session-3 alliance goes with a larger fall in
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
# points, zero at session 3 (the session the dashboards use). Without it the practice's noise
# estimate (monitoring.norms) would shrink towards zero and flag every ordinary dip.
_WOBBLE = (0.25, -0.5, 0.0, 0.5, -0.25, 0.25, -0.5, 0.25, 0.0, -0.25)


def _wobble(alliance: float, k: int) -> float:
    return min(10.0, max(0.0, alliance + _WOBBLE[k % len(_WOBBLE)]))


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
) -> Episode:
    """Create a client with one finished episode through the real action functions.

    PHQ-9 and GAD-7 go from their first to their last value in equal steps over the
    sessions; the Alliance Check is ``alliance`` at session 3 and wobbles around it. The answers are added
    to ``batch`` for one `record_responses` call by the caller, or recorded at once.
    """
    own_batch = batch is None
    batch = [] if batch is None else batch
    client = actions.create_client(practitioner, year_of_birth=year_of_birth)
    episode = actions.start_episode(practitioner, client, started_on=started_on, service=service)
    last_day = started_on
    for k in range(sessions):
        day = started_on + dt.timedelta(days=7 * k)
        session = actions.record_session(
            practitioner, episode, starts_at=_at(day), attendance=Attendance.ATTENDED
        )
        frac = k / (sessions - 1) if sessions > 1 else 1.0
        p = round(phq[0] + (phq[1] - phq[0]) * frac)
        g = round(gad[0] + (gad[1] - gad[0]) * frac)
        answered = session.starts_at + dt.timedelta(hours=2)
        for instrument_id, answers in (
            ("phq9", phq9_answers(p)),
            ("gad7", gad7_answers(g)),
            ("alliance-check", alliance_answers(_wobble(alliance, k))),
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
                )
                if i % 6 != 5:  # most clients consent to research; every sixth was not asked
                    record_research_consent(practitioner, episode.client, given_on=started)
                made += 1
        _record(organisation, batch)
    return made
