"""A deterministic, synthetic demo practice: staff, clients, episodes in every phase, sessions.

Everything is generated from a fixed seed; dates are placed relative to an anchor day
(today by default) so the demo always looks current.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import Organisation, PractitionerKind, Role, User
from alliance.web.practice import actions
from alliance.web.practice.models import (
    PHASE_ORDER,
    Attendance,
    EndingType,
    Phase,
    Service,
    SessionFormat,
)

DEMO_PASSWORD = "alliance-demo"  # noqa: S105  (printed by `alliance demo`; demo only)
SEED = 20261126


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str


STAFF = [
    # username, first, last, role, kind, supervised by
    ("admin", "Morgan", "Reyes", Role.ADMIN, "", None),
    ("supervisor", "Samira", "Okafor", Role.SUPERVISOR, "", None),
    ("researcher", "Lena", "Fischer", Role.RESEARCHER, "", None),
    ("therapist", "Alex", "Morgan", Role.PRACTITIONER, PractitionerKind.THERAPIST, "supervisor"),
    ("counsellor", "Priya", "Shah", Role.PRACTITIONER, PractitionerKind.COUNSELLOR, "supervisor"),
    ("coach", "Jonas", "Weber", Role.PRACTITIONER, PractitionerKind.COACH, None),
]

DESCRIPTIONS = {
    "admin": "clinic admin: users, audit log (no clinical text)",
    "supervisor": "supervisor of the therapist and the counsellor",
    "researcher": "researcher: pseudonymised data only",
    "therapist": "therapist with a caseload of 8",
    "counsellor": "counsellor with a caseload of 8",
    "coach": "career coach with a caseload of 8",
}

# What each client brings, in the words of the kind of practice (see practice/vocabulary.yaml):
# a therapist's referrals, a counsellor's reasons for coming, a coach's client's aims. Each
# list has the same length, so the seeded draws (and so every other demo record) stay the same.
NOTES = {
    Service.THERAPY: [
        "Explored what brought them here; agreed to meet weekly for now.",
        "Talked through the week; noticed more energy in the mornings.",
        "Some tension when homework came up; named it and we talked it through.",
        "Worked on the timeline of the difficulties; client led most of the session.",
        "Reviewed goals together; one goal reworded in the client's own words.",
        "Quiet session; client seemed tired. Checked in about how our work feels.",
        "Practised the breathing exercise; client wants to try it before work.",
        "Discussed the upcoming job interview and a plan for the first week.",
        "Client said the last session felt rushed; slowed down and agreed on pacing.",
        "Reflected on progress so far; client proud of keeping the routine.",
    ],
    Service.COUNSELLING: [
        "Explored what brought them here; agreed to meet weekly for now.",
        "Talked through the week; noticed more energy in the mornings.",
        "Some tension when the between-session task came up; named it and talked it through.",
        "Client told the story of the last year at their own pace.",
        "Reviewed goals together; one goal reworded in the client's own words.",
        "Quiet session; client seemed tired. Checked in about how our work feels.",
        "Talked about ways to wind down in the evening; client will try a walk.",
        "Looked at what support friends and family can give.",
        "Client said the last session felt rushed; slowed down and agreed on pacing.",
        "Reflected on progress so far; client proud of keeping the routine.",
    ],
    Service.COACHING: [
        "Clarified what they want from coaching; agreed to meet fortnightly.",
        "Mapped strengths from past roles; two stood out for the next step.",
        "Some tension when the action plan came up; named it and reset the pace.",
        "Worked through the options on the table and what each would ask of them.",
        "Reviewed goals together; one goal reworded in the client's own words.",
        "Quiet session; client seemed tired. Checked in about how our work feels.",
        "Rehearsed the salary conversation; client wants to try it with a friend first.",
        "Prepared the upcoming job interview and a plan for the first 90 days.",
        "Client said the last session felt rushed; slowed down and agreed on pacing.",
        "Reviewed the experiments since last time; client proud of two networking calls.",
    ],
}
REASONS = {
    Service.THERAPY: [
        "Low mood after a bereavement; referred by GP.",
        "Anxiety at work and trouble sleeping.",
        "Relationship difficulties and stress.",
        "Obsessive checking that takes hours each day; referred by GP.",
        "Court-ordered anger-management follow-up.",
        "Panic attacks on public transport.",
        "Burn-out; wants to return to work sustainably.",
    ],
    Service.COUNSELLING: [
        "Grief after losing a parent last spring.",
        "Feeling stuck and lonely since moving to the city.",
        "Arguments at home and stress about money.",
        "Caring for a partner with a long illness; running on empty.",
        "Wants to talk through a divorce and what comes next.",
        "Worry that keeps them awake before exams.",
        "Confidence knocked after a difficult year at work.",
    ],
    Service.COACHING: [
        "Wants to move from engineering into product management within a year.",
        "New team lead; wants to delegate without losing track.",
        "Career change after redundancy; wants clarity about next steps.",
        "Returning to work after parental leave; wants a plan that fits family life.",
        "Preparing for a promotion panel in three months.",
        "Starting a freelance design business; wants structure and first clients.",
        "Burn-out risk; wants to set boundaries and still grow at work.",
    ],
}
INTERPRETER_LANGUAGES = ["Arabic", "Ukrainian", "Farsi", "Tigrinya"]


def demo_logins() -> list[DemoLogin]:
    """Return the demo accounts with what each one is for."""
    return [DemoLogin(u, str(role.label), DESCRIPTIONS[u]) for u, _f, _l, role, _k, _s in STAFF]


def load_demo_practice(anchor: dt.date | None = None) -> Organisation:
    """Create the demo practice; the same seed always gives the same records."""
    anchor = anchor or timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not security
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        org = Organisation.objects.create(
            name="Riverside Counselling & Coaching",
            slug="riverside",
            client_code_prefix="RC",
            crisis_contacts="In an emergency call 999. Samaritans (24/7): 116 123.",
        )
        people: dict[str, User] = {}
        for username, first, last, role, kind, supervised_by in STAFF:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@riverside.example",
                organisation=org,
                role=role,
                practitioner_kind=kind,
                supervisor=people.get(supervised_by) if supervised_by else None,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            people[username] = user

        services = {
            "therapist": Service.THERAPY,
            "counsellor": Service.COUNSELLING,
            "coach": Service.COACHING,
        }
        # Eight clients each; the phase plan guarantees every phase appears for everyone.
        phase_plan = [0, 1, 2, 2, 3, 2, 1, 3]
        client_number = 0
        for username in ("therapist", "counsellor", "coach"):
            practitioner = people[username]
            for slot, phase_index in enumerate(phase_plan):
                client_number += 1
                interpreter = (client_number % 7) == 3
                mandated = username == "therapist" and slot == 4
                client = actions.create_client(
                    practitioner,
                    preferred_language="de" if client_number % 5 == 0 else "en",
                    year_of_birth=rng.randint(1955, 2004),
                    gender=rng.choice(["female", "male", "female", "non-binary", "undisclosed"]),
                )
                ended = slot == 7
                n_sessions = {
                    0: rng.randint(1, 3),
                    1: rng.randint(3, 6),
                    2: rng.randint(7, 20),
                    3: rng.randint(12, 25),
                }[phase_index]
                start = anchor - dt.timedelta(days=7 * n_sessions + rng.randint(3, 10))
                episode = actions.start_episode(
                    practitioner,
                    client,
                    service=services[username],
                    started_on=start,
                    mandated=mandated,
                    interpreter_needed=interpreter,
                    interpreter_language=rng.choice(INTERPRETER_LANGUAGES) if interpreter else "",
                    referral_reason=(
                        REASONS[Service.THERAPY][4]
                        if mandated
                        else rng.choice(REASONS[services[username]])
                    ),
                )
                # Phase changes happen after the first, the third and the last-but-two sessions.
                switch_after = {1: 1, 2: 3, 3: max(4, n_sessions - 2)}
                for number in range(1, n_sessions + 1):
                    day = start + dt.timedelta(days=7 * (number - 1) + 1)
                    starts_at = dt.datetime.combine(
                        day, dt.time(hour=rng.choice([9, 10, 11, 14, 15, 16, 17])), tzinfo=tz
                    )
                    attendance = Attendance.ATTENDED
                    roll = rng.random()
                    if number > 1 and roll < 0.06:
                        attendance = Attendance.CANCELLED
                    elif number > 1 and roll < 0.1:
                        attendance = Attendance.NO_SHOW
                    actions.record_session(
                        practitioner,
                        episode,
                        starts_at=starts_at,
                        duration_minutes=60 if username == "coach" else 50,
                        format=rng.choice(
                            [
                                SessionFormat.IN_PERSON,
                                SessionFormat.IN_PERSON,
                                SessionFormat.VIDEO,
                                SessionFormat.PHONE,
                            ]
                        ),
                        interpreter_present=interpreter and attendance == Attendance.ATTENDED,
                        attendance=attendance,
                        note=(
                            rng.choice(NOTES[services[username]])
                            if attendance == Attendance.ATTENDED
                            else ""
                        ),
                    )
                    episode.refresh_from_db()
                    for target in range(1, phase_index + 1):
                        if switch_after.get(target) == number and episode.phase_index < target:
                            actions.move_to_phase(
                                practitioner,
                                episode,
                                PHASE_ORDER[target],
                                changed_on=day,
                            )
                            episode.refresh_from_db()
                if ended:
                    last_day = start + dt.timedelta(days=7 * (n_sessions - 1) + 1)
                    actions.end_episode(
                        practitioner,
                        episode,
                        ended_on=last_day,
                        ending_type=EndingType.UNPLANNED
                        if username == "counsellor"
                        else EndingType.PLANNED,
                    )
                elif phase_index == 3 and episode.phase != Phase.ENDING:
                    actions.move_to_phase(
                        practitioner,
                        episode,
                        Phase.ENDING,
                        changed_on=anchor - dt.timedelta(days=1),
                    )
    return org
