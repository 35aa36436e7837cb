"""What the client sees in the portal: their goals, progress in plain words, tasks and checks.

Nothing else: no other client, no practitioner notes, no alliance scores unless the practice
chose to show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.instruments import UnknownInstrumentError, load_instrument
from alliance.scoring import reliable_change
from alliance.web.collaboration.client_panel import goals_with_ratings
from alliance.web.collaboration.gas import latest_ratings
from alliance.web.collaboration.models import (
    GAS_LEVEL_LABELS,
    GoalStatus,
    Task,
    TaskStatus,
    client_visible_instruments,
)
from alliance.web.measures.models import Check, MeasureResponse, Rater


@dataclass
class Trend:
    name: str
    values: list[float]
    words: str


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def trend_words(instrument, first: float, latest: float, count: int) -> str:
    """Describe the change from the first to the latest score in plain, kind words."""
    if count < 2:
        return _("Your first answers are in. Over the next weeks you will see how things move.")
    change = reliable_change(first, latest, instrument)
    if change.improvement > 0 and change.reliable:
        return _("Things have clearly improved since you started. Well done for keeping going.")
    if change.improvement > 0:
        return _("Things are moving in a good direction since you started.")
    if change.improvement == 0:
        return _("Things have stayed about the same so far. That is common; change takes time.")
    if change.reliable:
        return _(
            "Things have been harder lately. You are not alone with this — it may help to talk "
            "about it next time."
        )
    return _("Things have gone up and down a little. That is a normal part of the way.")


def client_trends(client) -> list[Trend]:
    """Score trends of the instruments the practice lets clients see, in plain words."""
    visible = client_visible_instruments(client.organisation_id)
    responses = (
        MeasureResponse.objects.filter(
            session__episode__client=client,
            rater=Rater.CLIENT,
            instrument_id__in=visible,
            total__isnull=False,
        )
        .select_related("session")
        .order_by("session__starts_at", "id")
    )
    series: dict[str, list[float]] = {}
    for response in responses:
        series.setdefault(response.instrument_id, []).append(response.total)
    trends = []
    for instrument_id, values in series.items():
        try:
            instrument = load_instrument(instrument_id)
        except UnknownInstrumentError:
            continue
        lang = client.preferred_language or "en"
        trends.append(
            Trend(
                name=instrument.name(lang),
                values=values[-8:],
                words=trend_words(instrument, values[0], values[-1], len(values)),
            )
        )
    return trends


def goal_words(goal) -> str:
    """Where the goal stands, in the words agreed for its levels."""
    if goal.status == GoalStatus.PROPOSED:
        return _("You proposed this goal. You will talk it through together next time.")
    if goal.status == GoalStatus.ACHIEVED:
        return _("Achieved. Take a moment to notice that.")
    latest = goal.latest.get("client") or goal.latest.get("practitioner")
    if latest is None:
        return _("Not rated yet — you will look at it together at a review.")
    described = goal.level_text(latest.level)
    label = GAS_LEVEL_LABELS[latest.level]
    if described:
        return _("At the last review: %(label)s — “%(text)s”") % {"label": label, "text": described}
    return _("At the last review: %(label)s.") % {"label": label}


def portal_context(access) -> dict:
    """Return everything the portal page shows for the client of `access`."""
    client = access.client
    episodes = list(client.episodes.filter(ended_on__isnull=True).order_by("-started_on", "-id"))
    goals = [g for g in goals_with_ratings(episodes) if g.status != GoalStatus.DROPPED]
    for goal in goals:
        goal.latest = latest_ratings(goal)
        goal.words = goal_words(goal)
    tasks = list(
        Task.objects.filter(episode__in=episodes, status__in=[TaskStatus.OPEN, TaskStatus.DONE])
    )
    now = timezone.now()
    checks = [
        {"url": reverse("client_check", kwargs={"token": c.token}), "expires_at": c.expires_at}
        for c in Check.objects.filter(
            session__episode__client=client,
            completed_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
    ]
    return {
        "episode": episodes[0] if episodes else None,
        "goals": goals,
        "tasks": tasks,
        "trends": client_trends(client),
        "checks": checks,
    }
