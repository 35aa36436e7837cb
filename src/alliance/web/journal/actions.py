"""Every write of the journal app goes through these functions, which also audit.

Audit entries never carry the words of a reflection or of an intake request.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.instruments import load_instrument
from alliance.scoring import score_response
from alliance.web.accounts.models import Role, User
from alliance.web.audit.log import record
from alliance.web.journal.models import (
    IntakeRequest,
    IntakeStatus,
    JournalEntry,
    PracticePage,
    SelfCareCheckIn,
)
from alliance.web.practice import actions as practice_actions

SELF_CARE_INSTRUMENT = "who5"


# --- journal -----------------------------------------------------------------------------


def write_entry(
    author: User, *, text: str, written_on: dt.date, tags=(), session=None
) -> JournalEntry:
    """Add a reflection to the author's journal."""
    if not text.strip():
        raise ValidationError({"text": "Write a few words."})
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            organisation=author.organisation,
            author=author,
            text=text.strip(),
            written_on=written_on,
            tags=JournalEntry.pack_tags(tags),
            session=session,
        )
        record(author, "create", entry, summary="journal entry")
    return entry


def update_entry(
    author: User, entry: JournalEntry, *, text: str, written_on: dt.date, tags=(), session=None
) -> JournalEntry:
    """Change one of the author's reflections."""
    if entry.author_id != author.id:
        raise ValidationError("Only the author changes a reflection.")
    if not text.strip():
        raise ValidationError({"text": "Write a few words."})
    with transaction.atomic():
        entry.text = text.strip()
        entry.written_on = written_on
        entry.tags = JournalEntry.pack_tags(tags)
        entry.session = session
        entry.save()
        record(author, "update", entry, summary="journal entry edited")
    return entry


def share_entry(author: User, entry: JournalEntry) -> JournalEntry:
    """Share the reflection with the author's supervisor (and only with them)."""
    if entry.author_id != author.id:
        raise ValidationError("Only the author shares a reflection.")
    supervisor = author.supervisor
    if supervisor is None or supervisor.organisation_id != author.organisation_id:
        raise ValidationError("You have no supervisor in this practice to share with.")
    with transaction.atomic():
        entry.shared_with = supervisor
        entry.shared_at = timezone.now()
        entry.save(update_fields=["shared_with", "shared_at", "updated_at"])
        record(author, "update", entry, summary=f"journal entry shared with {supervisor}")
    return entry


def unshare_entry(author: User, entry: JournalEntry) -> JournalEntry:
    """Take the reflection back: the supervisor no longer sees it."""
    if entry.author_id != author.id:
        raise ValidationError("Only the author changes who sees a reflection.")
    with transaction.atomic():
        entry.shared_with = None
        entry.shared_at = None
        entry.save(update_fields=["shared_with", "shared_at", "updated_at"])
        record(author, "update", entry, summary="journal entry no longer shared")
    return entry


# --- self-care ---------------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    """Return the Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def record_checkin(practitioner: User, answers: dict, *, day: dt.date | None = None):
    """Score and store this week's WHO-5; answering again in the same week replaces it."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError("Self-care check-ins are for practitioners.")
    instrument = load_instrument(SELF_CARE_INSTRUMENT)
    score = score_response(answers, instrument)
    if score.total is None:
        raise ValidationError("Please answer every question.")
    week = week_of(day or timezone.localdate())
    with transaction.atomic():
        checkin, created = SelfCareCheckIn.objects.update_or_create(
            practitioner=practitioner,
            week_of=week,
            defaults={
                "organisation": practitioner.organisation,
                "instrument_id": instrument.id,
                "answers": {k: v for k, v in answers.items() if v is not None},
                "score": score.total,
            },
        )
        record(
            practitioner,
            "create" if created else "update",
            checkin,
            summary=f"self-care check-in, week of {week}",
        )
    return checkin


# --- practice pages ------------------------------------------------------------------------


def update_page(actor: User, page: PracticePage, *, photo=None, remove_photo=False, **fields):
    """Save the practice page's text, photo and published flag."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(page, name, value)
        if remove_photo:
            page.photo, page.photo_type = None, ""
        if photo is not None:
            page.photo, page.photo_type = photo
        page.save()
        state = "published" if page.published else "unpublished"
        record(actor, "update", page, summary=f"practice page saved ({state})")
    return page


# --- intake ----------------------------------------------------------------------------


def submit_intake(page: PracticePage, **fields) -> IntakeRequest:
    """Store a prospective client's request from a public page (encrypted)."""
    if not fields.get("consent_to_contact"):
        raise ValidationError({"consent_to_contact": "We can only reply if you agree."})
    with transaction.atomic():
        request = IntakeRequest.objects.create(
            organisation=page.organisation, practitioner=page.member, **fields
        )
        record(None, "create", request, summary="intake request received")
    return request


def accept_intake(actor: User, request: IntakeRequest, *, practitioner: User | None = None):
    """Accept: create the client and an episode in the engagement phase."""
    if request.status != IntakeStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    practitioner = request.practitioner or practitioner or actor
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError({"practitioner": "Choose the practitioner who will see them."})
    if practitioner.organisation_id != request.organisation_id:
        raise ValidationError({"practitioner": "The practitioner works for another practice."})
    service = {
        "therapy": "therapy",
        "counselling": "counselling",
    }.get(request.service, "coaching" if request.service else _default_service(practitioner))
    with transaction.atomic():
        locked = IntakeRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != IntakeStatus.PENDING:
            raise ValidationError("This request has already been answered.")
        contact = request.contact
        client = practice_actions.create_client(
            actor,
            practitioner=practitioner,
            name=request.name,
            email=contact if "@" in contact else "",
            phone="" if "@" in contact else contact[:40],
            preferred_language=request.language,
        )
        episode = practice_actions.start_episode(
            actor,
            client,
            practitioner=practitioner,
            service=service,
            started_on=timezone.localdate(),
            referral_reason=request.help_with,
        )
        request.status = IntakeStatus.ACCEPTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.episode = episode
        request.save(update_fields=["status", "decided_by", "decided_at", "episode"])
        record(actor, "update", request, summary=f"intake accepted as {client.code}")
    return episode


def _default_service(practitioner: User) -> str:
    return {"coach": "coaching", "counsellor": "counselling"}.get(
        practitioner.practitioner_kind, "therapy"
    )


def decline_intake(actor: User, request: IntakeRequest, *, reason: str) -> IntakeRequest:
    """Decline with a reason (kept encrypted, for the practice's own records)."""
    if request.status != IntakeStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a short reason."})
    with transaction.atomic():
        request.status = IntakeStatus.DECLINED
        request.decline_reason = reason.strip()
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
        record(actor, "update", request, summary="intake declined")
    return request
