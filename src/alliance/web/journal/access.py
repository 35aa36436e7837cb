"""Who may see or change journal entries and self-care check-ins.

The one place that decides, one function per object type. Each returns a queryset scoped
to what the user may see, or raises Http404 — never 403 — so that existence does not leak.

- A journal entry is its author's alone. Their supervisor reads it only once the author
  has shared it with them. Colleagues, admins and researchers never read it.
- Self-care check-ins are the practitioner's alone; nobody else, not even a supervisor.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import Role, User
from alliance.web.journal.models import JournalEntry, SelfCareCheckIn
from alliance.web.practice.models import Session


def _member(user: User) -> bool:
    return bool(user.is_authenticated and user.organisation_id is not None)


# --- journal -----------------------------------------------------------------------------


def journal_for_user(user: User) -> QuerySet[JournalEntry]:
    """Return the entries `user` wrote."""
    if not _member(user):
        return JournalEntry.objects.none()
    assert user.organisation_id is not None  # _member
    return JournalEntry.objects.filter(author=user, organisation_id=user.organisation_id)


def shared_with_user(user: User) -> QuerySet[JournalEntry]:
    """Return the entries supervisees shared with `user` (a supervisor)."""
    if not _member(user):
        return JournalEntry.objects.none()
    if user.role != Role.SUPERVISOR:
        return JournalEntry.objects.none()
    assert user.organisation_id is not None  # _member
    return JournalEntry.objects.filter(
        organisation_id=user.organisation_id,
        shared_with=user,
        author__supervisor=user,
        shared_at__isnull=False,
    )


def entry_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> JournalEntry:
    """Return the entry with `public_id` if `user` may read it (or change it, with write)."""
    readable = journal_for_user(user) if write else journal_for_user(user) | shared_with_user(user)
    return get_or_404(readable.select_related("author", "session"), "entry", public_id=public_id)


def journal_marker(user: User, session: Session) -> bool:
    """Whether `user` wrote a reflection linked to `session` (shown only to its author)."""
    return journal_for_user(user).filter(session=session).exists()


# --- self-care ---------------------------------------------------------------------------


def checkins_for_user(user: User) -> QuerySet[SelfCareCheckIn]:
    """Return the self-care check-ins of `user` themself; nobody sees another's."""
    if not _member(user):
        return SelfCareCheckIn.objects.none()
    if user.role != Role.PRACTITIONER:
        return SelfCareCheckIn.objects.none()
    assert user.organisation_id is not None  # _member
    return SelfCareCheckIn.objects.filter(practitioner=user, organisation_id=user.organisation_id)
