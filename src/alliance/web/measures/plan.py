"""Which instruments are due at a session, from the episode's measurement plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from alliance.web.measures.models import Schedule

# Defaults by service (issue: therapy and counselling track symptoms every session; coaching
# tracks wellbeing at the start, every 4th session and at the ending).
DEFAULT_PLANS: dict[str, list[tuple[str, str, int | None]]] = {
    "therapy": [
        ("alliance-check", Schedule.EVERY_SESSION, None),
        ("phq9", Schedule.EVERY_SESSION, None),
        ("gad7", Schedule.EVERY_SESSION, None),
    ],
    "counselling": [
        ("alliance-check", Schedule.EVERY_SESSION, None),
        ("phq9", Schedule.EVERY_SESSION, None),
        ("gad7", Schedule.EVERY_SESSION, None),
    ],
    "coaching": [
        ("alliance-check", Schedule.EVERY_SESSION, None),
        ("who5", Schedule.FIRST_SESSION, None),
        ("flourishing", Schedule.FIRST_SESSION, None),
        ("who5", Schedule.EVERY_NTH, 4),
        ("flourishing", Schedule.EVERY_NTH, 4),
        ("who5", Schedule.ENDING, None),
        ("flourishing", Schedule.ENDING, None),
    ],
}


@dataclass(frozen=True)
class PlanLine:
    instrument_id: str
    schedule: str
    every_n: int | None = None


def due_instruments(
    plan: Iterable[PlanLine], *, session_number: int, phase_changed: bool, in_ending: bool
) -> list[str]:
    """Return the instrument ids due at this session, in plan order, each once."""
    due: list[str] = []
    for line in plan:
        if line.schedule == Schedule.EVERY_SESSION:
            hit = True
        elif line.schedule == Schedule.FIRST_SESSION:
            hit = session_number == 1
        elif line.schedule == Schedule.EVERY_NTH:
            hit = bool(line.every_n and session_number % line.every_n == 0)
        elif line.schedule == Schedule.PHASE_CHANGE:
            hit = phase_changed
        elif line.schedule == Schedule.ENDING:
            hit = in_ending
        else:
            raise ValueError(f"unknown schedule {line.schedule!r}")
        if hit and line.instrument_id not in due:
            due.append(line.instrument_id)
    return due
