"""Shared builders for the collaboration tests."""

from __future__ import annotations

from alliance.web.collaboration import actions
from tests.factories import make_session


def goal(episode, title="Sleep through most nights", weight=1, **fields):
    fields.setdefault("level_0", "Asleep by midnight four nights a week")
    return actions.add_goal(episode.practitioner, episode, title=title, weight=weight, **fields)


def sessions(episode, n):
    existing = list(episode.sessions.order_by("number"))
    out = existing[:n]
    for i in range(len(out), n):
        out.append(make_session(episode, days_after_start=7 * (i + 1)))
    return out
