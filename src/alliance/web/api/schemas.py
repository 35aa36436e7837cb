"""Shapes of the API's requests and answers; builders leave out text the user may not read."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import AfterValidator

from alliance.web.accounts.models import User
from alliance.web.measures.actions import check_url
from alliance.web.practice.access import can_read_clinical_text

# Dates a practice record can carry: wide enough for any real one, narrow enough that time
# zone arithmetic never leaves Python's calendar (year 1 to 9999).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)
DATE_RANGE = f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def check_day(day: dt.date) -> dt.date:
    """Refuse a date outside EARLIEST..LATEST."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day.isoformat()} is out of range: dates {DATE_RANGE}")
    return day


def check_moment(moment: dt.datetime) -> dt.datetime:
    """Refuse a time whose day (in UTC, when it has a zone) is outside EARLIEST..LATEST."""
    try:
        day = moment.astimezone(dt.UTC).date() if moment.tzinfo else moment.date()
    except OverflowError:
        raise ValueError(f"{moment.isoformat()} is out of range: dates {DATE_RANGE}") from None
    if not EARLIEST <= day <= LATEST or not EARLIEST <= moment.date() <= LATEST:
        raise ValueError(f"{moment.isoformat()} is out of range: dates {DATE_RANGE}")
    return moment


Day = Annotated[dt.date, AfterValidator(check_day)]
Moment = Annotated[dt.datetime, AfterValidator(check_moment)]


class Page(Schema):
    next: str | None = Field(None, description="Cursor of the next page; null on the last.")


# --- clients ---------------------------------------------------------------------------


class ClientOut(Schema):
    id: uuid.UUID
    code: str
    practitioner: str = Field(description="Username of the responsible practitioner.")
    name: str | None = Field(None, description="Null unless you may read clinical text.")
    email: str | None = None
    phone: str | None = None
    preferred_language: str
    year_of_birth: int | None = None
    gender: str
    created_at: dt.datetime


class ClientPage(Page):
    items: list[ClientOut]


class ClientIn(Schema):
    code: str = Field("", max_length=32, description="Leave empty for the next free code.")
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    preferred_language: str = Field("en", max_length=10)
    year_of_birth: int | None = Field(None, ge=1900, le=2100)
    gender: Literal["", "female", "male", "non-binary", "other", "undisclosed"] = ""


def client_out(user: User, client, readable: bool | None = None) -> dict:
    readable = can_read_clinical_text(user, client) if readable is None else readable
    return {
        "id": client.public_id,
        "code": client.code,
        "practitioner": client.practitioner.username,
        "name": client.name if readable else None,
        "email": client.email if readable else None,
        "phone": client.phone if readable else None,
        "preferred_language": client.preferred_language,
        "year_of_birth": client.year_of_birth,
        "gender": client.gender,
        "created_at": client.created_at,
    }


# --- episodes --------------------------------------------------------------------------

Phase = Literal["engagement", "assessment", "working", "ending"]


class PhaseChangeOut(Schema):
    from_phase: str
    to_phase: str
    changed_on: dt.date
    changed_by: str
    reason: str | None = Field(None, description="Null unless you may read clinical text.")


class EpisodeOut(Schema):
    id: uuid.UUID
    client: uuid.UUID
    client_code: str
    practitioner: str
    service: str
    phase: str
    started_on: dt.date
    ended_on: dt.date | None = None
    ending_type: str
    mandated: bool
    interpreter_needed: bool
    interpreter_language: str
    referral_reason: str | None = Field(None, description="Null unless you may read clinical text.")
    phase_changes: list[PhaseChangeOut]
    created_at: dt.datetime


class EpisodePage(Page):
    items: list[EpisodeOut]


class EpisodeIn(Schema):
    service: Literal["therapy", "counselling", "coaching"]
    started_on: Day
    mandated: bool = False
    interpreter_needed: bool = False
    interpreter_language: str = Field("", max_length=40)
    referral_reason: str = Field("", max_length=10000)


class PhaseIn(Schema):
    to_phase: Phase
    changed_on: Day
    reason: str = Field("", max_length=10000)


def episode_out(user: User, episode, readable: bool | None = None) -> dict:
    client = episode.client
    readable = can_read_clinical_text(user, client) if readable is None else readable
    return {
        "id": episode.public_id,
        "client": client.public_id,
        "client_code": client.code,
        "practitioner": episode.practitioner.username,
        "service": episode.service,
        "phase": episode.phase,
        "started_on": episode.started_on,
        "ended_on": episode.ended_on,
        "ending_type": episode.ending_type,
        "mandated": episode.mandated,
        "interpreter_needed": episode.interpreter_needed,
        "interpreter_language": episode.interpreter_language,
        "referral_reason": episode.referral_reason if readable else None,
        "phase_changes": [
            {
                "from_phase": change.from_phase,
                "to_phase": change.to_phase,
                "changed_on": change.changed_on,
                "changed_by": change.changed_by.username,
                "reason": change.reason if readable else None,
            }
            for change in episode.phase_changes.all()
        ],
        "created_at": episode.created_at,
    }


# --- sessions --------------------------------------------------------------------------


class SessionOut(Schema):
    id: uuid.UUID
    episode: uuid.UUID
    number: int
    starts_at: dt.datetime
    duration_minutes: int
    format: str
    interpreter_present: bool
    attendance: str
    phase: str
    note: str | None = Field(None, description="Null unless you may read clinical text.")


class SessionPage(Page):
    items: list[SessionOut]


class SessionIn(Schema):
    starts_at: Moment = Field(description="With a time zone, e.g. 2025-03-01T10:00:00+01:00.")
    duration_minutes: int = Field(50, ge=5, le=480)
    format: Literal["in_person", "video", "phone"] = "in_person"
    interpreter_present: bool = False
    attendance: Literal["attended", "cancelled", "no_show"] = "attended"
    note: str = Field("", max_length=20000)


def session_out(user: User, session, readable: bool | None = None) -> dict:
    client = session.episode.client
    readable = can_read_clinical_text(user, client) if readable is None else readable
    return {
        "id": session.public_id,
        "episode": session.episode.public_id,
        "number": session.number,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "format": session.format,
        "interpreter_present": session.interpreter_present,
        "attendance": session.attendance,
        "phase": session.phase,
        "note": session.note if readable else None,
    }


# --- checks ----------------------------------------------------------------------------


class CheckOut(Schema):
    id: uuid.UUID
    session: uuid.UUID
    instruments: list[str]
    state: str
    url: str | None = Field(
        None,
        description="The client's single-use link while it is open (only to checks:write).",
    )
    created_at: dt.datetime
    expires_at: dt.datetime
    completed_at: dt.datetime | None = None


def _may_see_link(request: HttpRequest) -> bool:
    """The link answers the check: only a token that may write checks receives it."""
    token = getattr(request, "auth", None)
    return token is not None and token.allows("checks:write")


def check_out(request: HttpRequest, check) -> dict:

    return {
        "id": check.public_id,
        "session": check.session.public_id,
        "instruments": list(check.instrument_ids),
        "state": check.state,
        "url": check_url(request, check.token)
        if check.is_open and _may_see_link(request)
        else None,
        "created_at": check.created_at,
        "expires_at": check.expires_at,
        "completed_at": check.completed_at,
    }


# --- responses and scores --------------------------------------------------------------


class SubscaleOut(Schema):
    name: str
    score: float | None = None


class ChangeOut(Schema):
    previous_total: float
    change: float
    improvement: float
    threshold: float | None = None
    reliable: bool | None = Field(None, description="Null when the instrument has no criterion.")
    category: str | None = None


class ResponseOut(Schema):
    id: uuid.UUID
    session: uuid.UUID
    episode: uuid.UUID
    session_number: int
    instrument: str
    instrument_name: str
    rater: str
    source: str
    submitted_at: dt.datetime
    answers: dict[str, float | None]
    total: float | None = None
    band: str = Field(description="The band's label as the web shows it.")
    subscales: list[SubscaleOut]
    scored: bool
    missing_items: list[str]
    critical: bool
    change: ChangeOut | None = Field(
        None, description="Since the same instrument and rater last time."
    )


class ResponsePage(Page):
    items: list[ResponseOut]


def response_out(row) -> dict:
    response = row.response
    change = None
    if row.change is not None:
        category = row.change.category
        change = {
            "previous_total": row.previous_total,
            "change": row.change.change,
            "improvement": row.change.improvement,
            "threshold": row.change.threshold,
            "reliable": row.change.reliable,
            "category": getattr(category, "value", category),
        }
    return {
        "id": response.public_id,
        "session": response.session.public_id,
        "episode": response.session.episode.public_id,
        "session_number": response.session.number,
        "instrument": response.instrument_id,
        "instrument_name": row.name,
        "rater": response.rater,
        "source": response.source,
        "submitted_at": response.submitted_at,
        "answers": {str(k): v for k, v in response.answers.items()},
        "total": response.total,
        "band": row.band_label or response.band,
        "subscales": [{"name": name, "score": value} for name, value in row.subscales],
        "scored": response.scored,
        "missing_items": [str(i) for i in response.missing_items],
        "critical": response.critical,
        "change": change,
    }


# --- alerts ----------------------------------------------------------------------------


class AlertOut(Schema):
    id: uuid.UUID
    episode: uuid.UUID
    client_code: str
    type: str
    severity: str
    state: str
    signal_state: str
    session_number: int | None = None
    instrument: str
    method: str
    evidence: dict
    opened_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str
    resolved_note: str | None = Field(None, description="Null unless you may read clinical text.")


class AlertPage(Page):
    items: list[AlertOut]


class ResolveIn(Schema):
    note: str = Field(max_length=10000, description="What was done about it.")


def alert_out(user: User, alert, readable: bool | None = None) -> dict:
    client = alert.episode.client
    readable = can_read_clinical_text(user, client) if readable is None else readable
    return {
        "id": alert.public_id,
        "episode": alert.episode.public_id,
        "client_code": client.code,
        "type": alert.type,
        "severity": alert.severity,
        "state": alert.effective_state(),
        "signal_state": alert.signal_state,
        "session_number": alert.session_number,
        "instrument": alert.instrument_id,
        "method": alert.method,
        "evidence": alert.evidence if readable else {},
        "opened_at": alert.opened_at,
        "acknowledged_at": alert.acknowledged_at,
        "resolved_at": alert.resolved_at,
        "resolved_by": alert.resolved_by,
        "resolved_note": alert.resolved_note if readable else None,
    }


# --- goals -----------------------------------------------------------------------------


class GoalOut(Schema):
    id: uuid.UUID
    episode: uuid.UUID
    title: str | None = Field(None, description="Null unless you may read clinical text.")
    levels: dict[str, str] | None = Field(
        None, description="GAS level (-2…2) → description; null unless you may read it."
    )
    alliance_goal_link: bool
    weight: int
    proposed_by: str
    status: str
    created_at: dt.datetime


class GoalPage(Page):
    items: list[GoalOut]


class GoalIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    level_minus_2: str = Field("", max_length=2000)
    level_minus_1: str = Field("", max_length=2000)
    level_0: str = Field("", max_length=2000)
    level_plus_1: str = Field("", max_length=2000)
    level_plus_2: str = Field("", max_length=2000)
    alliance_goal_link: bool = False
    weight: int = Field(1, ge=1, le=10)
    proposed_by: Literal["practitioner", "client"] = "practitioner"
    status: Literal["proposed", "agreed", "achieved", "dropped"] = "agreed"


def goal_out(user: User, goal, readable: bool | None = None) -> dict:
    readable = can_read_clinical_text(user, goal.episode.client) if readable is None else readable
    return {
        "id": goal.public_id,
        "episode": goal.episode.public_id,
        "title": goal.title if readable else None,
        "levels": {str(n): goal.level_text(n) for n in (-2, -1, 0, 1, 2)} if readable else None,
        "alliance_goal_link": goal.alliance_goal_link,
        "weight": goal.weight,
        "proposed_by": goal.proposed_by,
        "status": goal.status,
        "created_at": goal.created_at,
    }
