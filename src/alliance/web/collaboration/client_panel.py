"""What the client page shows of goals, tasks, decisions, rituals and the portal.

A fixed number of queries whatever the number of episodes, goals and ratings; none for a kind
of record the episodes have none of, when they were read with `collaboration_flags()`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch

from alliance.web.accounts.models import User
from alliance.web.collaboration.gas import GasPoint, gas_series, latest_ratings, sparkline
from alliance.web.collaboration.models import (
    ClientNote,
    Goal,
    GoalRating,
    PortalAccess,
    RitualChoice,
    SharedDecision,
    Task,
)
from alliance.web.collaboration.rituals import load_rituals
from alliance.web.practice.models import Episode, Session


@dataclass
class EpisodeCollaboration:
    episode: Episode
    goals: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    rituals: list = field(default_factory=list)
    gas: list[GasPoint] = field(default_factory=list)
    gas_client: list[GasPoint] = field(default_factory=list)
    gas_svg: str = ""
    last_session: Session | None = None


def collaboration_flags() -> dict:
    """Annotations for an episode query: whether each episode has goals, tasks, decisions and
    rituals, so that `episode_collaboration` reads only the kinds some episode has."""
    return {
        f"has_{name}": Exists(model.objects.filter(episode=OuterRef("pk")))
        for name, model in (
            ("goals", Goal),
            ("tasks", Task),
            ("decisions", SharedDecision),
            ("rituals", RitualChoice),
        )
    }


def goals_with_ratings(episodes):
    """Goals of `episodes` with their ratings (and the ratings' sessions) in two queries."""
    return Goal.objects.filter(episode__in=episodes).prefetch_related(
        Prefetch("ratings", queryset=GoalRating.objects.select_related("session"))
    )


def episode_collaboration(episodes) -> list[EpisodeCollaboration]:
    """Return goals (with latest ratings), GAS series, tasks, decisions and rituals per episode."""
    by_episode = {e.pk: EpisodeCollaboration(episode=e) for e in episodes}
    if not by_episode:
        return []

    def some(kind: str) -> list[int]:
        # Episodes read without the flags are asked about every kind.
        return [e.pk for e in episodes if getattr(e, f"has_{kind}", True)]

    if ids := some("goals"):
        for goal in goals_with_ratings(ids):
            goal.latest = latest_ratings(goal)
            by_episode[goal.episode_id].goals.append(goal)
    if ids := some("tasks"):
        for task in Task.objects.filter(episode__in=ids):
            by_episode[task.episode_id].tasks.append(task)
    if ids := some("decisions"):
        for decision in SharedDecision.objects.filter(episode__in=ids).select_related(
            "recorded_by"
        ):
            by_episode[decision.episode_id].decisions.append(decision)
    if ids := some("rituals"):
        library = load_rituals()
        for choice in RitualChoice.objects.filter(episode__in=ids).order_by("-kind"):
            ritual = library.get(choice.ritual_id)
            if ritual is not None:
                by_episode[choice.episode_id].rituals.append(ritual)
    for item in by_episode.values():
        item.gas = gas_series(item.goals, "practitioner")
        item.gas_client = gas_series(item.goals, "client")
        item.gas_svg = sparkline(item.gas)
    return [by_episode[e.pk] for e in episodes]


def collaboration_panel(user: User, client, episodes) -> dict:
    """Return extra template context for the client page."""
    notes_by_client = defaultdict(list)
    for note in ClientNote.objects.filter(client=client, seen_at__isnull=True):
        notes_by_client[note.client_id].append(note)
    portal = PortalAccess.objects.filter(client=client, revoked_at__isnull=True).first()
    items = episode_collaboration(episodes)
    for item in items:
        # The client page prefetches sessions, so this makes no query.
        sessions = list(item.episode.sessions.all())
        item.last_session = sessions[-1] if sessions else None
    return {
        "collaboration": items,
        "portal_access": portal,
        "client_notes": notes_by_client.get(client.pk, []),
    }
