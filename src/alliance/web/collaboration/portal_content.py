"""What the client sees in the portal: their goals, progress in plain words, tasks and checks.

Nothing else: no other client, no practitioner notes, no alliance scores unless the practice
chose to show them, and no validation status, licence or citation. Each score trend is a
small inline SVG chart (no script, no CDN) beside its words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
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
from alliance.web.measures import answers


@dataclass
class Trend:
    name: str
    values: list[float]
    words: str
    svg: str = ""


def trend_chart(
    values: list[float],
    *,
    y_min: float,
    y_max: float,
    label: str,
    higher_is_better: bool,
    width: int = 300,
    height: int = 110,
) -> SafeString:
    """Return a small chart of the client's scores (oldest first), first and latest labelled.

    An arrow beside the axis says which way is better, so the client need not know the scale.
    Text is 12 px at the chart's own size; the chart never scales above it.
    """
    if not values:
        return mark_safe("")
    left, right, top, bottom = 30, 14, 12, 24
    pw, ph = width - left - right, height - top - bottom
    span = (y_max - y_min) or 1
    n = len(values)

    def sx(i: int) -> float:
        return left + (i / max(n - 1, 1)) * pw if n > 1 else left + pw / 2

    def sy(v: float) -> float:
        return top + (1 - (min(max(v, y_min), y_max) - y_min) / span) * ph

    points = " ".join(f"{sx(i):.1f},{sy(v):.1f}" for i, v in enumerate(values))
    better = _("better")
    # An arrow beside the axis pointing the way that is better, its head a small triangle.
    tip, tail = (top, top + ph - 14) if higher_is_better else (top + ph - 14, top)
    head = tip + (6 if higher_is_better else -6)
    dots = "".join(
        f'<circle cx="{sx(i):.1f}" cy="{sy(v):.1f}" r="3.5"><title>{_fmt(v)}</title></circle>'
        for i, v in enumerate(values)
    )
    ends = [(0, values[0])] + ([(n - 1, values[-1])] if n > 1 else [])
    end_labels = "".join(
        f'<text class="trend-value" x="{sx(i):.1f}" y="{sy(v) - 7:.1f}" '
        f'text-anchor="{"start" if i == 0 and n > 1 else "end" if n > 1 else "middle"}">{_fmt(v)}</text>'
        for i, v in ends
    )
    description = _("Your scores, oldest first: %(values)s.") % {
        "values": ", ".join(_fmt(v) for v in values)
    }
    return mark_safe(  # noqa: S308 - every text is escaped or a number
        f'<svg class="trend-chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}. {escape(description)}">'
        f'<line class="trend-axis" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>'
        f'<line class="trend-better" x1="12" x2="12" y1="{tail}" y2="{tip}"/>'
        f'<path class="trend-arrow" d="M12,{tip} L16,{head} L8,{head}Z"/>'
        f'<text class="trend-label" x="4" y="{height - 6}">{escape(better)}</text>'
        f'<polyline class="trend-line" points="{points}"/>{dots}{end_labels}</svg>'
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def critical_words() -> str:
    """The words under a trend whose latest answers held a critical item: no praise, no score
    talk; the practitioner sees the answer and the check's thanks page gave the support lines."""
    return _(
        "Thank you for answering honestly. Your practitioner sees your answers and will talk "
        "them through with you."
    )


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
    series: dict[str, list[float]] = {}
    critical_last: dict[str, bool] = {}
    for instrument_id, total, critical in answers.client_totals(client, visible):
        series.setdefault(instrument_id, []).append(total)
        critical_last[instrument_id] = critical
    trends = []
    for instrument_id, values in series.items():
        try:
            instrument = load_instrument(instrument_id)
        except UnknownInstrumentError:
            continue
        shown = values[-8:]
        name = instrument.short_name  # the plain name: no "(not validated)", no citation
        low, high = instrument.range
        trends.append(
            Trend(
                name=name,
                values=shown,
                words=(
                    critical_words()
                    if critical_last[instrument_id]
                    else trend_words(instrument, values[0], values[-1], len(values))
                ),
                svg=trend_chart(
                    shown,
                    y_min=low,
                    y_max=high,
                    label=name,
                    higher_is_better=instrument.higher_is_better,
                ),
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
    checks = [
        {"url": reverse("client_check", kwargs={"token": token}), "expires_at": expires_at}
        for token, expires_at in answers.open_check_tokens(client)
    ]
    return {
        "episode": episodes[0] if episodes else None,
        "goals": goals,
        "tasks": tasks,
        "trends": client_trends(client),
        "checks": checks,
    }
