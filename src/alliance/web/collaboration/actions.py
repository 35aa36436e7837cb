"""Every write to goals, tasks, decisions, portal links, client notes and rituals; each audits."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alliance.web.audit.log import record
from alliance.web.collaboration.models import (
    GAS_LEVELS,
    PORTAL_LOCKOUT,
    PORTAL_MAX_FAILURES,
    ClientNote,
    Goal,
    GoalRating,
    GoalStatus,
    PortalAccess,
    RitualChoice,
    SharedDecision,
    Task,
    TaskStatus,
    Who,
    hash_portal_token,
)
from alliance.web.collaboration.rituals import load_rituals
from alliance.web.practice.models import Client, Episode, Session

GOAL_FIELDS = (
    "title",
    "alliance_goal_link",
    "level_minus_2",
    "level_minus_1",
    "level_0",
    "level_plus_1",
    "level_plus_2",
    "weight",
    "proposed_by",
    "status",
)


def _require_active(episode: Episode, field: str = "__all__") -> None:
    if not episode.is_active:
        raise ValidationError({field: "The episode has ended; it cannot change."})


def add_goal(actor, episode: Episode, **fields: Any) -> Goal:
    """Add a goal to the episode, written with the client."""
    _require_active(episode, "title")
    values = {k: v for k, v in fields.items() if k in GOAL_FIELDS}
    with transaction.atomic():
        goal = Goal.objects.create(organisation=episode.organisation, episode=episode, **values)
        record(actor, "create", goal, summary=f"goal for {episode.client.code}")
    return goal


def update_goal(actor, goal: Goal, **fields: Any) -> Goal:
    """Change a goal's wording, levels, weight or status."""
    with transaction.atomic():
        for name, value in fields.items():
            if name in GOAL_FIELDS:
                setattr(goal, name, value)
        goal.save()
        record(actor, "update", goal, summary=f"goal {goal.get_status_display().lower()}")
    return goal


def rate_goals(
    actor,
    episode: Episode,
    levels: dict[Goal, int],
    *,
    session: Session | None = None,
    rated_by: str = Who.PRACTITIONER,
) -> list[GoalRating]:
    """Record an attainment level (−2 … +2) for each goal at one review; history is kept."""
    if session is not None and session.episode_id != episode.pk:
        raise ValidationError({"session": "That session belongs to another episode."})
    ratings = []
    with transaction.atomic():
        for goal, level in levels.items():
            if goal.episode_id != episode.pk:
                raise ValidationError("A goal belongs to another episode.")
            if level not in GAS_LEVELS:
                raise ValidationError(f"A level must be between −2 and +2, not {level}.")
            ratings.append(
                GoalRating.objects.create(
                    organisation=episode.organisation,
                    goal=goal,
                    session=session,
                    level=level,
                    rated_by=rated_by,
                )
            )
        if ratings:
            record(actor, "update", episode, summary=f"{len(ratings)} goal(s) rated")
    return ratings


def add_task(actor, episode: Episode, *, what: str, due_on: dt.date | None = None) -> Task:
    """Agree a task for between sessions."""
    _require_active(episode, "what")
    if not what.strip():
        raise ValidationError({"what": "Say what the task is."})
    with transaction.atomic():
        task = Task.objects.create(
            organisation=episode.organisation, episode=episode, what=what.strip(), due_on=due_on
        )
        record(actor, "create", task, summary=f"task for {episode.client.code}")
    return task


def set_task_status(actor, task: Task, status: str, *, by: str = Who.PRACTITIONER) -> Task:
    """Tick a task off, drop it or open it again; `actor` is None when the client ticks it."""
    if status not in TaskStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    with transaction.atomic():
        task.status = status
        task.done_at = timezone.now() if status == TaskStatus.DONE else None
        task.ticked_by = by if status != TaskStatus.OPEN else ""
        task.save(update_fields=["status", "done_at", "ticked_by"])
        record(actor, "update", task, summary=f"task {status} by {by}")
    return task


def log_decision(
    actor, episode: Episode, *, decision: str, agreed_by: str, decided_on: dt.date
) -> SharedDecision:
    """Log a treatment-plan decision made together."""
    if decided_on < episode.started_on:
        raise ValidationError({"decided_on": "That is before the episode started."})
    with transaction.atomic():
        entry = SharedDecision.objects.create(
            organisation=episode.organisation,
            episode=episode,
            decision=decision.strip(),
            agreed_by=agreed_by.strip(),
            decided_on=decided_on,
            recorded_by=actor,
        )
        record(actor, "create", entry, summary=f"shared decision for {episode.client.code}")
    return entry


def choose_ritual(actor, episode: Episode, *, kind: str, ritual_id: str) -> RitualChoice | None:
    """Attach an opening or closing ritual to the episode; an empty id removes it."""
    with transaction.atomic():
        if not ritual_id:
            RitualChoice.objects.filter(episode=episode, kind=kind).delete()
            record(actor, "update", episode, summary=f"{kind} ritual removed")
            return None
        ritual = load_rituals().get(ritual_id)
        if ritual is None or ritual.kind != kind:
            raise ValidationError({kind: f"No {kind} ritual {ritual_id!r}."})
        choice, _created = RitualChoice.objects.update_or_create(
            episode=episode,
            kind=kind,
            defaults={"organisation": episode.organisation, "ritual_id": ritual_id},
        )
        record(actor, "update", episode, summary=f"{kind} ritual {ritual_id}")
    return choice


# The portal ---------------------------------------------------------------------------


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def create_portal_access(actor, client: Client) -> tuple[PortalAccess, str, str]:
    """Open a new portal link with a PIN for `client`, revoking earlier links.

    Returns (access, token, pin); token and PIN are shown to the practitioner once.
    """
    token = secrets.token_urlsafe(24)
    pin = new_pin()
    now = timezone.now()
    with transaction.atomic():
        PortalAccess.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
        access = PortalAccess.objects.create(
            organisation=client.organisation,
            client=client,
            token_hash=hash_portal_token(token),
            token=token,
            pin_hash=make_password(pin),
            created_by=actor,
        )
        record(actor, "create", access, summary=f"portal link for {client.code}")
    return access, token, pin


def revoke_portal_access(actor, access: PortalAccess) -> PortalAccess:
    """Close a portal link for good."""
    with transaction.atomic():
        if access.revoked_at is None:
            access.revoked_at = timezone.now()
            access.save(update_fields=["revoked_at"])
        record(actor, "update", access, summary=f"portal link revoked for {access.client.code}")
    return access


def find_portal_access(token: str) -> PortalAccess | None:
    """Return the live portal link for `token`, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return (
        PortalAccess.objects.select_related("client", "organisation")
        .filter(token_hash=hash_portal_token(token), revoked_at__isnull=True)
        .first()
    )


def try_pin(access: PortalAccess, pin: str) -> str:
    """Check a PIN against the link: "ok", "wrong" or "locked".

    After PORTAL_MAX_FAILURES wrong PINs in a row the link locks for PORTAL_LOCKOUT, even
    for the right PIN; the counter is kept in the database, so a new browser does not reset it.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = PortalAccess.objects.select_for_update().get(pk=access.pk)
        if locked.is_locked(now):
            return "locked"
        if check_password(pin or "", locked.pin_hash):
            locked.failed_attempts = 0
            locked.locked_until = None
            locked.last_used_at = now
            locked.save(update_fields=["failed_attempts", "locked_until", "last_used_at"])
            record(None, "view", locked, summary=f"portal opened by {locked.client.code}")
            return "ok"
        locked.failed_attempts = F("failed_attempts") + 1
        locked.save(update_fields=["failed_attempts"])
        locked.refresh_from_db(fields=["failed_attempts"])
        if locked.failed_attempts >= PORTAL_MAX_FAILURES:
            locked.locked_until = now + PORTAL_LOCKOUT
            locked.failed_attempts = 0
            locked.save(update_fields=["locked_until", "failed_attempts"])
            record(None, "update", locked, summary="portal locked after wrong PINs")
            access.locked_until = locked.locked_until
            return "locked"
    access.failed_attempts = locked.failed_attempts
    return "wrong"


def leave_client_note(access: PortalAccess, text: str) -> ClientNote:
    """Store what the client wants to bring up next time."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write something first."})
    with transaction.atomic():
        note = ClientNote.objects.create(
            organisation=access.organisation, client=access.client, text=text
        )
        record(None, "create", note, summary=f"portal note from {access.client.code}")
    return note


def mark_note_seen(actor, note: ClientNote) -> ClientNote:
    with transaction.atomic():
        if note.seen_at is None:
            note.seen_at = timezone.now()
            note.save(update_fields=["seen_at"])
        record(actor, "update", note, summary="client note seen")
    return note


def propose_goal_from_portal(access: PortalAccess, episode: Episode, title: str) -> Goal:
    """A goal the client proposes; it waits for agreement in the next session."""
    if episode.client_id != access.client_id:
        raise ValidationError("That episode is not yours.")
    return add_goal(
        None, episode, title=title.strip(), proposed_by=Who.CLIENT, status=GoalStatus.PROPOSED
    )
