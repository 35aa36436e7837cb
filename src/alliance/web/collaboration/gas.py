"""The GAS T-score of an episode over time, from its goals' rating history (no queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alliance.scoring import gas_t_score

if TYPE_CHECKING:
    from alliance.web.collaboration.models import GoalRating


@dataclass(frozen=True)
class GasPoint:
    """The T-score after one review: every counted goal at its latest rating so far."""

    label: str
    t_score: float
    n_goals: int


def _occasion(rating) -> tuple:
    # Ratings at one session form one review; ratings without a session, one per day.
    if rating.session_id is not None:
        return (0, rating.session.number, "")
    return (1, 0, rating.rated_at.date().isoformat())


def gas_series(goals, rater: str = "practitioner") -> list[GasPoint]:
    """Return the T-score after each review by `rater`, over agreed and achieved goals.

    ``goals`` come with their ratings prefetched. A goal enters the score from its first
    rating on and keeps its latest level until rated again. T follows Kiresuk & Sherman
    (ρ = 0.3) with each goal's importance weight; see `alliance.scoring.gas_t_score`.
    """
    counted = [g for g in goals if g.counts_for_gas]
    events = []
    for goal in counted:
        for rating in goal.ratings.all():
            if rating.rated_by == rater:
                events.append((_occasion(rating), rating.rated_at, rating.id, goal, rating.level))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    current: dict[int, tuple[int, int]] = {}
    points: list[GasPoint] = []
    for index, (occasion, _at, _id, goal, level) in enumerate(events):
        current[goal.pk] = (level, goal.weight)
        is_last_of_occasion = index + 1 == len(events) or events[index + 1][0] != occasion
        if not is_last_of_occasion:
            continue
        levels = [lv for lv, _w in current.values()]
        weights = [w for _lv, w in current.values()]
        label = f"S{occasion[1]}" if occasion[0] == 0 else occasion[2]
        points.append(GasPoint(label, round(gas_t_score(levels, weights), 1), len(levels)))
    return points


def latest_ratings(goal) -> dict[str, GoalRating]:
    """Return the latest rating of `goal` by each rater (ratings prefetched)."""
    latest: dict[str, GoalRating] = {}
    for rating in goal.ratings.all():
        previous = latest.get(rating.rated_by)
        if previous is None or (rating.rated_at, rating.id) >= (previous.rated_at, previous.id):
            latest[rating.rated_by] = rating
    return latest


def sparkline(points: list[GasPoint], width: int = 260, height: int = 90) -> str:
    """Return a small inline SVG line of T-scores on a 20–80 scale, with 50 marked."""
    from django.utils.html import escape

    if not points:
        return ""
    pad = 14
    low, high = 20.0, 80.0

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return pad + (high - value) / (high - low) * (height - 2 * pad)

    step = (width - 2 * pad) / max(len(points) - 1, 1)
    coords = [(pad + i * step, y(p.t_score)) for i, p in enumerate(points)]
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3.5"><title>{escape(p.label)}: T = '
        f"{p.t_score:g}</title></circle>"
        for (x, yy), p in zip(coords, points, strict=True)
    )
    mid = y(50)
    return (
        f'<svg class="gas-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="GAS T-score over reviews: '
        f'{escape(", ".join(f"{p.label} {p.t_score:g}" for p in points))}">'
        f'<line class="gas-50" x1="{pad}" x2="{width - pad}" y1="{mid:.1f}" y2="{mid:.1f}"/>'
        f'<text class="gas-axis" x="2" y="{mid + 4:.1f}">50</text>'
        f'<polyline class="gas-line" fill="none" points="{line}"/>{dots}</svg>'
    )
