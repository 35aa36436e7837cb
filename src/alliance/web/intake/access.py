"""Who may see or change practice pages and intake requests.

The one place that decides, one function per object type. Each returns a queryset scoped
to what the user may see, or raises Http404 — never 403 — so that existence does not leak.

- A published practice page is public; editing it is for its practitioner (their own page)
  or the organisation's admin (the practice's page).
- Intake requests to a named practitioner are theirs to answer; requests to the practice
  go to its admin, and any practitioner of the practice may take one on.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.intake.models import IntakeRequest, IntakeStatus, PracticePage


def _member(user: User) -> bool:
    return bool(user.is_authenticated and user.organisation_id is not None)


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
    assert user.organisation_id is not None  # _member
    page = PracticePage.objects.filter(organisation_id=user.organisation_id, member=user).first()
    return page or PracticePage(organisation_id=user.organisation_id, member=user)


def organisation_page_for_user(user: User) -> PracticePage:
    """Return (a new, unsaved one if there is none yet) the practice's page; only its admin edits it."""
    if not _member(user):
        raise Http404("Not found")
    if user.role != Role.ADMIN:
        raise Http404("Not found")
    assert user.organisation_id is not None  # _member
    page = PracticePage.objects.filter(
        organisation_id=user.organisation_id, member__isnull=True
    ).first()
    return page or PracticePage(organisation_id=user.organisation_id, member=None)


# --- intake ----------------------------------------------------------------------------


def intake_for_user(user: User) -> QuerySet[IntakeRequest]:
    """Return the intake requests `user` may read and answer."""
    if not _member(user):
        return IntakeRequest.objects.none()
    assert user.organisation_id is not None  # _member
    in_org = IntakeRequest.objects.filter(organisation_id=user.organisation_id)
    if user.role == Role.PRACTITIONER:
        return in_org.filter(Q(practitioner=user) | Q(practitioner__isnull=True))
    if user.role == Role.ADMIN:
        return in_org.filter(practitioner__isnull=True)
    # Supervisors and researchers have no part in intake.
    return IntakeRequest.objects.none()


def intake_request_for_user(user: User, public_id: UUID | str) -> IntakeRequest:
    """Return the pending request with `public_id` if `user` may answer it, or 404."""
    return get_or_404(
        intake_for_user(user), "request", public_id=public_id, status=IntakeStatus.PENDING
    )
