"""Every write to the practice's records goes through these functions, which also audit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from alliance.web.accounts.models import Organisation, User
from alliance.web.audit.log import record
from alliance.web.practice.models import (
    PHASE_ORDER,
    Client,
    Episode,
    Phase,
    PhaseChange,
    Session,
)
from alliance.web.practice.summaries import refresh_summaries

# How long a session may last, in minutes.
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 5, 480

_CODE_NUMBER = re.compile(r"^(?P<prefix>.+)-(?P<number>\d+)$")


def next_client_code(organisation: Organisation) -> str:
    """Return the next free pseudonymous code of the organisation, e.g. C-0042."""
    prefix = organisation.client_code_prefix or "C"
    highest = 0
    for code in Client.objects.filter(
        organisation=organisation, code__startswith=prefix + "-"
    ).values_list("code", flat=True):
        match = _CODE_NUMBER.match(code)
        if match and match["prefix"] == prefix:
            highest = max(highest, int(match["number"]))
    return f"{prefix}-{highest + 1:04d}"


def validate_client_fields(fields: dict[str, Any]) -> None:
    """Refuse an e-mail address that is not one and a year of birth out of range, on every path
    (the web form, the API) alike."""
    email = (fields.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    year = fields.get("year_of_birth")
    this_year = timezone.localdate().year
    if year is not None and not 1900 <= year <= this_year:
        raise ValidationError(
            {"year_of_birth": f"A year of birth lies between 1900 and {this_year}."}
        )


def validate_session_length(fields: dict[str, Any]) -> None:
    """Refuse a session shorter than 5 or longer than 480 minutes, on every path alike."""
    minutes = fields.get("duration_minutes")
    if minutes is not None and not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise ValidationError({"duration_minutes": "A session lasts between 5 and 480 minutes."})


def create_client(actor: User, *, practitioner: User | None = None, **fields: Any) -> Client:
    """Add a client to the actor's organisation, with a generated code unless one is given."""
    validate_client_fields(fields)
    organisation = actor.organisation
    assert organisation is not None  # staff who add clients belong to a practice
    practitioner = practitioner or actor
    if practitioner.organisation_id != organisation.id:
        raise ValidationError({"practitioner": "The practitioner works for another organisation."})
    code = (fields.pop("code", "") or "").strip()
    with transaction.atomic():
        if not code:
            code = next_client_code(organisation)
        elif Client.objects.filter(organisation=organisation, code=code).exists():
            raise ValidationError({"code": f"The code {code} is already in use."})
        try:
            with transaction.atomic():
                client = Client.objects.create(
                    organisation=organisation, practitioner=practitioner, code=code, **fields
                )
        except IntegrityError as exc:
            raise ValidationError({"code": f"The code {code} is already in use."}) from exc
        record(actor, "create", client, summary=f"client {client.code}")
    return client


def start_episode(actor: User, client: Client, **fields: Any) -> Episode:
    """Open an episode of care for `client` in the engagement phase."""
    with transaction.atomic():
        episode = Episode.objects.create(
            organisation=client.organisation,
            client=client,
            practitioner=fields.pop("practitioner", None) or actor,
            phase=Phase.ENGAGEMENT,
            **fields,
        )
        PhaseChange.objects.create(
            organisation=client.organisation,
            episode=episode,
            from_phase="",
            to_phase=Phase.ENGAGEMENT,
            changed_on=episode.started_on,
            changed_by=actor,
        )
        refresh_summaries([episode.pk])
        record(actor, "create", episode, summary=f"episode for {client.code}")
    return episode


def validate_session_date(episode: Episode, starts_at: dt.datetime) -> None:
    """Refuse a session outside the episode's dates."""
    day = starts_at.date() if isinstance(starts_at, dt.datetime) else starts_at
    if day < episode.started_on:
        raise ValidationError(
            {
                "starts_at": f"The episode started on {episode.started_on:%d %b %Y}; "
                "a session cannot be before that."
            }
        )
    if episode.ended_on is not None and day > episode.ended_on:
        raise ValidationError(
            {
                "starts_at": f"The episode ended on {episode.ended_on:%d %b %Y}; "
                "a session cannot be after that."
            }
        )


def record_session(actor: User, episode: Episode, **fields: Any) -> Session:
    """Log a session; it gets the next number in the episode and the episode's phase."""
    validate_session_date(episode, fields["starts_at"])
    validate_session_length(fields)
    with transaction.atomic():
        # Lock the episode row so that two sessions logged at once get distinct numbers.
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        highest = locked.sessions.aggregate(n=Max("number"))["n"] or 0
        session = Session.objects.create(
            organisation=episode.organisation,
            episode=locked,
            number=highest + 1,
            phase=locked.phase,
            **fields,
        )
        refresh_summaries([episode.pk])
        record(
            actor, "create", session, summary=f"session {session.number} of {episode.client.code}"
        )
    return session


def update_session(actor: User, session: Session, **fields: Any) -> Session:
    """Change a session's details; the number and the episode never change."""
    if "starts_at" in fields:
        validate_session_date(session.episode, fields["starts_at"])
    validate_session_length(fields)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(session, name, value)
        session.save()
        refresh_summaries([session.episode_id])
        record(actor, "update", session, summary=f"session {session.number} edited")
    return session


def move_to_phase(
    actor: User, episode: Episode, to_phase: str, *, changed_on: dt.date, reason: str = ""
) -> PhaseChange:
    """Move the episode to another phase as a dated event; going back needs a reason."""
    if not episode.is_active:
        raise ValidationError({"to_phase": "The episode has ended; its phase cannot change."})
    if to_phase not in Phase.values:
        raise ValidationError({"to_phase": f"Unknown phase {to_phase!r}."})
    current = PHASE_ORDER.index(Phase(episode.phase))
    target = PHASE_ORDER.index(Phase(to_phase))
    if target == current:
        raise ValidationError({"to_phase": "The episode is already in this phase."})
    if target < current and not reason.strip():
        raise ValidationError({"reason": "Moving back to an earlier phase needs a reason."})
    last = episode.phase_changes.order_by("-changed_on", "-id").first()
    if changed_on < episode.started_on or (last is not None and changed_on < last.changed_on):
        raise ValidationError(
            {"changed_on": "The date is before the episode's start or its last phase change."}
        )
    with transaction.atomic():
        change = PhaseChange.objects.create(
            organisation=episode.organisation,
            episode=episode,
            from_phase=episode.phase,
            to_phase=to_phase,
            changed_on=changed_on,
            changed_by=actor,
            reason=reason.strip(),
        )
        episode.phase = to_phase
        episode.save(update_fields=["phase"])
        record(
            actor,
            "update",
            episode,
            summary=f"phase {change.from_phase} → {to_phase}",
        )
    return change


def end_episode(actor: User, episode: Episode, *, ended_on: dt.date, ending_type: str) -> Episode:
    """Close the episode; it passes through the ending phase if it is not there yet."""
    if not episode.is_active:
        raise ValidationError({"ended_on": "The episode has already ended."})
    if ended_on < episode.started_on:
        raise ValidationError({"ended_on": "An episode cannot end before it started."})
    last_session = episode.sessions.order_by("-starts_at").first()
    if last_session is not None and ended_on < last_session.starts_at.date():
        raise ValidationError(
            {"ended_on": f"Session {last_session.number} took place after that date."}
        )
    with transaction.atomic():
        if episode.phase != Phase.ENDING:
            move_to_phase(actor, episode, Phase.ENDING, changed_on=ended_on)
        episode.ended_on = ended_on
        episode.ending_type = ending_type
        episode.save(update_fields=["ended_on", "ending_type"])
        record(actor, "update", episode, summary=f"episode ended ({ending_type})")
    return episode
