"""Deterministic goals, tasks, decisions, rituals and portal notes for the demo practice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.collaboration import actions
from alliance.web.collaboration.models import GoalStatus, Who
from alliance.web.practice.models import Episode

DEMO_GOALS = [
    (
        "Feel calmer on Sunday evenings",
        2,
        (
            "I dread Monday all weekend",
            "Dread starts on Saturday evening",
            "Some worry on Sunday evening, but I can enjoy dinner",
            "Sunday evening mostly relaxed",
            "I look forward to the week",
        ),
    ),
    (
        "Say no to extra work once a week",
        1,
        (
            "I take on everything",
            "I say no once a month",
            "I say no once a week",
            "Twice a week when it matters",
            "I choose my workload myself",
        ),
    ),
]
# Attainment at successive reviews: starting below expectation, improving.
DEMO_LEVELS = [(-2, -1), (-1, -1), (0, 0), (1, 0)]


def load_demo_collaboration(organisation: Organisation, max_episodes: int = 3) -> dict[str, int]:
    """Add goals (rated over sessions), tasks, a decision, rituals and a client note.

    Applied to the first `max_episodes` active episodes with sessions; returns the counts.
    """
    counts = {"goals": 0, "ratings": 0, "tasks": 0, "decisions": 0, "notes": 0}
    episodes = (
        Episode.objects.filter(organisation=organisation, ended_on__isnull=True)
        .select_related("client", "practitioner")
        .order_by("id")
    )
    done = 0
    today = timezone.localdate()
    with transaction.atomic():
        for episode in episodes:
            sessions = list(episode.sessions.order_by("number"))
            if not sessions or done >= max_episodes:
                continue
            done += 1
            actor = episode.practitioner
            goals = []
            for index, (title, weight, levels) in enumerate(DEMO_GOALS):
                goals.append(
                    actions.add_goal(
                        actor,
                        episode,
                        title=title,
                        weight=weight,
                        level_minus_2=levels[0],
                        level_minus_1=levels[1],
                        level_0=levels[2],
                        level_plus_1=levels[3],
                        level_plus_2=levels[4],
                        alliance_goal_link=index == 0,
                        proposed_by=Who.CLIENT if index == 0 else Who.PRACTITIONER,
                        status=GoalStatus.AGREED,
                    )
                )
                counts["goals"] += 1
            reviews = sessions[-len(DEMO_LEVELS) :]
            for session, rated in zip(reviews, DEMO_LEVELS, strict=False):
                ratings = actions.rate_goals(
                    actor, episode, dict(zip(goals, rated, strict=True)), session=session
                )
                counts["ratings"] += len(ratings)
            first = actions.add_task(actor, episode, what="Write down one good moment each evening")
            actions.set_task_status(None, first, "done", by=Who.CLIENT)
            actions.add_task(
                actor,
                episode,
                what="Try the breathing exercise before the Monday meeting",
                due_on=today + dt.timedelta(days=5),
            )
            counts["tasks"] += 2
            actions.log_decision(
                actor,
                episode,
                decision="Meet weekly for six more sessions, then review together",
                agreed_by="client and practitioner",
                decided_on=max(sessions[0].starts_at.date(), episode.started_on),
            )
            counts["decisions"] += 1
            actions.choose_ritual(actor, episode, kind="opening", ritual_id="weather-check-in")
            actions.choose_ritual(actor, episode, kind="closing", ritual_id="one-thing-to-take")
            if done == 1:
                access, _token, _pin = actions.create_portal_access(actor, episode.client)
                actions.leave_client_note(access, "I would like to talk about my sister's visit")
                counts["notes"] += 1
    return counts
