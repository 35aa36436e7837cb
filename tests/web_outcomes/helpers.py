"""A practice with enough finished episodes for unsuppressed outcome figures."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alliance.web.outcomes.demo import add_completed_episode

# (phq start, phq end, gad start, gad end, alliance at session 3); the paired outcome of
# each is worked out in the comment. Ten of them give one unsuppressed cell.
OWNER_EPISODES = [
    (15, 6, 12, 5, 8.0),  # recovered, reliably improved -> reliably recovered
    (14, 7, 10, 6, 7.5),  # reliably recovered
    (12, 11, 9, 9, 5.0),  # case, no change
    (18, 9, 14, 7, 8.5),  # reliably recovered
    (9, 3, 6, 2, 9.0),  # not a case at start; reliably improved
    (16, 16, 12, 12, 4.0),  # no change
    (11, 17, 8, 12, 3.5),  # reliably deteriorated
    (20, 10, 15, 9, 7.0),  # reliably improved, still a case
    (13, 5, 9, 3, 8.0),  # reliably recovered
    (10, 4, 8, 4, 9.5),  # reliably recovered
]
OWNER_COUNTS = {
    "counted": 10,
    "case_at_start": 9,
    "recovered": 5,
    "reliably_improved": 7,
    "reliably_deteriorated": 1,
    "reliably_recovered": 5,
}


def add_episodes(practitioner, rows, *, days_ago: int = 200, service: str = "therapy"):
    """Finished 4-session episodes for ``practitioner`` from ``rows`` (see OWNER_EPISODES)."""
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    episodes = []
    for i, (p0, p1, g0, g1, alliance) in enumerate(rows):
        episodes.append(
            add_completed_episode(
                practitioner,
                started_on=start + dt.timedelta(days=3 * i),
                phq=(p0, p1),
                gad=(g0, g1),
                alliance=alliance,
                sessions=4,
                service=service,
                year_of_birth=1980 + i,
            )
        )
    return episodes
