"""Every write of the journal app goes through these functions, which also audit.

Audit entries never carry the words of a reflection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.instruments import load_instrument
from alliance.scoring import score_response
from alliance.web.accounts.models import Role, User
from alliance.web.audit.log import record
from alliance.web.journal.models import JournalEntry, SelfCareCheckIn
from alliance.web.practice.models import Session

SELF_CARE_INSTRUMENT = "who5"


# --- journal -----------------------------------------------------------------------------


def write_entry(
    author: User,
    *,
    text: str,
    written_on: dt.date,
    tags: Iterable[str] = (),
    session: Session | None = None,
) -> JournalEntry:
    """Add a reflection to the author's journal."""
    if not text.strip():
        raise ValidationError({"text": "Write a few words."})
    assert author.organisation is not None  # staff who write belong to a practice
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
    author: User,
    entry: JournalEntry,
    *,
    text: str,
    written_on: dt.date,
    tags: Iterable[str] = (),
    session: Session | None = None,
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


def record_checkin(
    practitioner: User, answers: Mapping[str, float | None], *, day: dt.date | None = None
) -> SelfCareCheckIn:
    """Score and store this week's WHO-5; answering again in the same week replaces it."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError("Self-care check-ins are for practitioners.")
    instrument = load_instrument(SELF_CARE_INSTRUMENT)
    score = score_response(answers, instrument)
    if score.total is None:
        raise ValidationError("Please answer every question.")
    week = week_of(day or timezone.localdate())
    assert practitioner.organisation is not None  # a practitioner belongs to a practice
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
