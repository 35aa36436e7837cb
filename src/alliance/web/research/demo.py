"""Research data for the demo practice: past clients whose episodes ended, and consents.

The demo's current caseload (24 clients, each with a story for the monitoring) is too small
and too uniform for the research report: reliability, invariance and the RI-CLPM need 50+
consenting episodes with sessions 1–5, and items that correlate the way real answers do.
So the practice also has an archive of past therapy and counselling clients, generated
from a fixed seed by a simple model:

- each client has their own alliance level (normal, mean 6.8, SD 1.2 on the 0–10 item
  scale) and intake PHQ-9 (mean 15, SD 4), a slow alliance gain and a symptom decline;
- within a client, sessions vary around that trajectory, and a better alliance than
  usual predicts fewer symptoms at the next session (the within-person lag the RI-CLPM
  looks for);
- each form's items are the total's even share plus item noise (see
  ``alliance.web.insights.demo.spread_items``): a one-factor model with loadings of
  about 0.6–0.8, rounded into the answer range.

Then most clients consent, a few were never asked, one withdrew.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from alliance.web.accounts.models import Organisation, User
from alliance.web.insights.demo import (
    ANSWERED_AFTER,
    alliance_answers,
    gad7_answers,
    phq9_answers,
    refresh_demo_signals,
)
from alliance.web.measures.models import Rater, Source
from alliance.web.measures.recording import Administration, record_responses
from alliance.web.practice import actions as practice
from alliance.web.practice.models import Client, EndingType, Episode, Service
from alliance.web.research.actions import record_research_consent, withdraw_research_consent

NOT_ASKED_EVERY = 6
WITHDRAWN_INDEX = 2
ARCHIVE_SEED = 20261208
ARCHIVE_CLIENTS = 66  # about 55 of them consent: enough for the RI-CLPM's 50+ episodes
# Past episodes started at least this long ago; the current caseload's all started later.
ARCHIVE_BEFORE_DAYS = 200
ARCHIVE_REFERRALS = [
    "Low mood after a job loss",
    "Anxiety about work and sleep",
    "Grief after a bereavement",
    "Stress at home and low energy",
    "Panic attacks on the commute",
]


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _archive_client(
    org_staff: list[User],
    rng: random.Random,
    index: int,
    anchor: dt.date,
    batch: list[Administration],
) -> None:
    """Create one past client: an ended episode of 6–10 weekly sessions; add their answers
    to ``batch``."""
    practitioner = org_staff[index % len(org_staff)]
    service = Service.THERAPY if practitioner.username == "therapist" else Service.COUNSELLING
    client = practice.create_client(
        practitioner,
        preferred_language="en",
        year_of_birth=rng.randint(1955, 2004),
        gender=rng.choice(["female", "male", "female", "non-binary", "undisclosed"]),
    )
    n_sessions = rng.randint(6, 10)
    start = anchor - dt.timedelta(days=rng.randint(ARCHIVE_BEFORE_DAYS + 10, 700))
    episode = practice.start_episode(
        practitioner,
        client,
        service=service,
        started_on=start,
        referral_reason=rng.choice(ARCHIVE_REFERRALS),
    )
    tz = timezone.get_current_timezone()
    level = _clip(rng.gauss(6.8, 1.2), 2.5, 9.5)  # the client's own alliance level (0-10)
    gain = rng.gauss(0.15, 0.08)  # alliance gain per session
    intake = _clip(rng.gauss(15, 4), 5, 25)  # PHQ-9 at intake
    decline = rng.gauss(0.9, 0.35)  # symptom decline per session
    previous_deviation = 0.0
    for number in range(1, n_sessions + 1):
        day = start + dt.timedelta(days=7 * (number - 1) + 1)
        session = practice.record_session(
            practitioner,
            episode,
            starts_at=dt.datetime.combine(
                day, dt.time(hour=rng.choice([9, 11, 14, 16])), tzinfo=tz
            ),
            duration_minutes=50,
        )
        deviation = rng.gauss(0, 0.45)
        alliance = _clip(level + gain * (number - 1) + deviation, 0, 10)
        # A better session than usual predicts fewer symptoms next time (within-person lag).
        phq = round(
            _clip(
                intake - decline * (number - 1) - 1.5 * previous_deviation + rng.gauss(0, 1.5),
                0,
                24,
            )
        )
        gad = round(_clip(0.75 * phq + rng.gauss(0, 1.5), 0, 21))
        previous_deviation = deviation
        when = session.starts_at + ANSWERED_AFTER
        for instrument, answers in (
            ("alliance-check", alliance_answers(round(alliance * 4) / 4, rng=rng)),
            ("phq9", phq9_answers(phq, rng=rng)),
            ("gad7", gad7_answers(gad, rng=rng)),
        ):
            batch.append(
                Administration.for_session(
                    session, instrument, answers, rater=Rater.CLIENT, submitted_at=when
                )
            )
    practice.end_episode(
        practitioner,
        episode,
        ended_on=start + dt.timedelta(days=7 * (n_sessions - 1) + 1),
        ending_type=EndingType.PLANNED if rng.random() < 0.8 else EndingType.UNPLANNED,
    )


def load_demo_archive(organisation: Organisation, *, clients: int = ARCHIVE_CLIENTS) -> int:
    """Add the demo's past clients (ended episodes with answers); return how many.

    Does nothing when the practice already has episodes that started before the archive's
    cut-off (the current caseload's all started later), so it can be called again.
    """
    anchor = timezone.localdate()
    staff = list(
        organisation.staff.filter(username__in=["therapist", "counsellor"]).order_by("username")
    )
    if (
        not staff
        or Episode.objects.filter(
            organisation=organisation,
            started_on__lt=anchor - dt.timedelta(days=ARCHIVE_BEFORE_DAYS),
        ).exists()
    ):
        return 0
    rng = random.Random(ARCHIVE_SEED)  # noqa: S311 - synthetic demo data, not security
    batch: list[Administration] = []
    with transaction.atomic():
        for index in range(clients):
            _archive_client(staff, rng, index, anchor, batch)
        # One call, as an import of historical data: audited once, no e-mails or webhooks.
        record_responses(
            None,
            batch,
            source=Source.CHECK,
            organisation=organisation,
            summary=f"demo: {len(batch)} answers of past clients",
            historical=True,
            read_back=False,
        )
    return clients


def load_demo_consents(organisation: Organisation) -> dict[str, int]:
    """Add the demo's past clients, then record research consents through the audited
    actions; return the counts.

    Every sixth client (by code) was never asked; the third (or the last, in a small
    practice) consented and withdrew two weeks later; the others consent. When past
    clients were added, the monitoring runs again so that its practice norms include them.
    """
    if load_demo_archive(organisation):
        refresh_demo_signals(organisation)
    today = timezone.localdate()
    counts = {"consenting": 0, "withdrawn": 0, "not_recorded": 0}
    clients = list(
        Client.objects.filter(organisation=organisation)
        .select_related("practitioner", "organisation")
        .annotate(first_start=Min("episodes__started_on"))
        .order_by("code")
    )
    withdrawn_index = min(WITHDRAWN_INDEX, len(clients) - 1)
    with transaction.atomic():
        for index, client in enumerate(clients):
            if index % NOT_ASKED_EVERY == NOT_ASKED_EVERY - 1:
                counts["not_recorded"] += 1
                continue
            given_on = client.first_start or today
            record_research_consent(client.practitioner, client, given_on=given_on)
            if index == withdrawn_index:
                withdrawn_on = min(given_on + dt.timedelta(days=14), today)
                withdraw_research_consent(client.practitioner, client, withdrawn_on=withdrawn_on)
                counts["withdrawn"] += 1
            else:
                counts["consenting"] += 1
    return counts
