"""Who may see or change journal entries, check-ins, practice pages and intake requests.

The one place that decides, one function per object type. Each returns a queryset scoped
to what the user may see, or raises Http404 — never 403 — so that existence does not leak.

- A journal entry is its author's alone. Their supervisor reads it only once the author
  has shared it with them. Colleagues, admins and researchers never read it.
- Self-care check-ins are the practitioner's alone; nobody else, not even a supervisor.
- A published practice page is public; editing it is for its practitioner (their own page)
  or the organisation's admin (the practice's page).
- Intake requests to a named practitioner are theirs to answer; requests to the practice
  go to its admin, and any practitioner of the practice may take one on.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.journal.models import (
    IntakeRequest,
    IntakeStatus,
    JournalEntry,
    PracticePage,
    SelfCareCheckIn,
)


def _member(user) -> bool:
    return bool(user.is_authenticated and user.organisation_id is not None)


# --- journal -----------------------------------------------------------------------------


def journal_for_user(user: User) -> QuerySet[JournalEntry]:
    """Return the entries `user` wrote."""
    if not _member(user):
        return JournalEntry.objects.none()
    return JournalEntry.objects.filter(author=user, organisation_id=user.organisation_id)


def shared_with_user(user: User) -> QuerySet[JournalEntry]:
    """Return the entries supervisees shared with `user` (a supervisor)."""
    if not _member(user):
        return JournalEntry.objects.none()
    if user.role != Role.SUPERVISOR:
        return JournalEntry.objects.none()
    return JournalEntry.objects.filter(
        organisation_id=user.organisation_id,
        shared_with=user,
        author__supervisor=user,
        shared_at__isnull=False,
    )


def entry_for_user(user: User, public_id, *, write: bool = False) -> JournalEntry:
    """Return the entry with `public_id` if `user` may read it (or change it, with write)."""
    readable = journal_for_user(user) if write else journal_for_user(user) | shared_with_user(user)
    return get_or_404(readable.select_related("author", "session"), "entry", public_id=public_id)


def journal_marker(user: User, session) -> bool:
    """Whether `user` wrote a reflection linked to `session` (shown only to its author)."""
    return journal_for_user(user).filter(session=session).exists()


# --- self-care ---------------------------------------------------------------------------


def checkins_for_user(user: User) -> QuerySet[SelfCareCheckIn]:
    """Return the self-care check-ins of `user` themself; nobody sees another's."""
    if not _member(user):
        return SelfCareCheckIn.objects.none()
    if user.role != Role.PRACTITIONER:
        return SelfCareCheckIn.objects.none()
    return SelfCareCheckIn.objects.filter(practitioner=user, organisation_id=user.organisation_id)


# --- practice pages ------------------------------------------------------------------------


def published_organisation_page(slug: str) -> PracticePage:
    """Return the published page of the practice with `slug`, or 404."""
    return get_or_404(
        PracticePage.objects.select_related("organisation"),
        "page",
        organisation__slug=slug,
        member__isnull=True,
        published=True,
    )


def published_member_page(slug: str, member: str) -> PracticePage:
    """Return the published page of a practitioner (by username or public id), or 404."""
    pages = PracticePage.objects.select_related("organisation", "member").filter(
        organisation__slug=slug, member__isnull=False, published=True
    )
    try:
        return pages.get(member__username=member)
    except PracticePage.DoesNotExist:
        pass
    return get_or_404(pages, "page", member__public_id=member)


def published_member_pages(organisation: Organisation) -> QuerySet[PracticePage]:
    """Return the published practitioner pages of `organisation`."""
    return PracticePage.objects.filter(
        organisation=organisation, member__isnull=False, published=True
    ).select_related("member")


def own_page_for_user(user: User) -> PracticePage:
    """Return (a new, unsaved one if there is none yet) the practitioner's own page; 404 for anyone else."""
    if not _member(user):
        raise Http404("Not found")
    if user.role != Role.PRACTITIONER:
        raise Http404("Not found")
    page = PracticePage.objects.filter(organisation_id=user.organisation_id, member=user).first()
    return page or PracticePage(organisation_id=user.organisation_id, member=user)


def organisation_page_for_user(user: User) -> PracticePage:
    """Return (a new, unsaved one if there is none yet) the practice's page; only its admin edits it."""
    if not _member(user):
        raise Http404("Not found")
    if user.role != Role.ADMIN:
        raise Http404("Not found")
    page = PracticePage.objects.filter(
        organisation_id=user.organisation_id, member__isnull=True
    ).first()
    return page or PracticePage(organisation_id=user.organisation_id, member=None)


# --- intake ----------------------------------------------------------------------------


def intake_for_user(user: User) -> QuerySet[IntakeRequest]:
    """Return the intake requests `user` may read and answer."""
    if not _member(user):
        return IntakeRequest.objects.none()
    in_org = IntakeRequest.objects.filter(organisation_id=user.organisation_id)
    if user.role == Role.PRACTITIONER:
        return in_org.filter(Q(practitioner=user) | Q(practitioner__isnull=True))
    if user.role == Role.ADMIN:
        return in_org.filter(practitioner__isnull=True)
    # Supervisors and researchers have no part in intake.
    return IntakeRequest.objects.none()


def intake_request_for_user(user: User, public_id) -> IntakeRequest:
    """Return the pending request with `public_id` if `user` may answer it, or 404."""
    return get_or_404(
        intake_for_user(user), "request", public_id=public_id, status=IntakeStatus.PENDING
    )
