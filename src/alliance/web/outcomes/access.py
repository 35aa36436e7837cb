"""Who may open which outcome page and see whose figures: the one place that decides.

Every page answers 404 (never 403) to anyone it is not for. Each condition stands on its
own line.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from alliance.web.accounts.models import Role, User
from alliance.web.practice.access import client_for_user
from alliance.web.practice.models import Client, Episode
from alliance.web.research.access import may_use_research

PAGES = {
    "mine": {Role.PRACTITIONER},
    "supervision": {Role.SUPERVISOR, Role.ADMIN},
    "practice": {Role.ADMIN},
}


def dashboard_practitioners(user: User, page: str) -> QuerySet[User]:
    """Return the practitioners whose outcomes `page` shows to `user`, or raise Http404.

    "mine" is the practitioner's own; "supervision" the supervisor's supervisees (for the
    clinic lead, every practitioner); "practice" shows the organisation's services and
    whole practice to the clinic lead (admin).
    """
    if not user.is_authenticated:
        raise Http404("Not found")
    if user.organisation_id is None:
        raise Http404("Not found")
    if user.role not in PAGES.get(page, set()):
        raise Http404("Not found")
    staff = User.objects.filter(organisation_id=user.organisation_id, role=Role.PRACTITIONER)
    if page == "mine":
        return staff.filter(pk=user.pk)
    if page == "supervision" and user.role == Role.SUPERVISOR:
        return staff.filter(supervisor=user)
    return staff


def practice_episodes(user: User) -> QuerySet[Episode]:
    """Every episode of the user's organisation, for practice-wide aggregates only."""
    if user.organisation_id is None:
        return Episode.objects.none()
    return Episode.objects.filter(organisation_id=user.organisation_id)


def effects_visible_to(user: User) -> set[int]:
    """Ids of practitioners whose case-mix-adjusted effect `user` may see.

    The practitioner themself, their supervisor and the clinic lead (admin); nobody else.
    """
    if not user.is_authenticated or user.organisation_id is None:
        return set()
    if user.role == Role.PRACTITIONER:
        return {user.pk}
    if user.role == Role.SUPERVISOR:
        return set(User.objects.filter(supervisor=user).values_list("pk", flat=True))
    if user.role == Role.ADMIN:
        return set(
            User.objects.filter(
                organisation_id=user.organisation_id, role=Role.PRACTITIONER
            ).values_list("pk", flat=True)
        )
    return set()


def require_outcome_research(user: User) -> None:
    """Raise Http404 unless `user` may use the research pages (researcher, or admin if allowed)."""
    if not may_use_research(user):
        raise Http404("Not found")


def report_clients_for_user(user: User) -> QuerySet[Client]:
    """Return the clients whose progress report `user` may make, or raise Http404.

    Only practitioners make reports, for the clients they are responsible for or treat.
    """
    if not user.is_authenticated or user.organisation_id is None:
        raise Http404("Not found")
    if user.role != Role.PRACTITIONER:
        raise Http404("Not found")
    treated = Episode.objects.filter(practitioner=user).values("client_id")
    return Client.objects.filter(organisation_id=user.organisation_id).filter(
        Q(practitioner=user) | Q(id__in=treated)
    )


def report_client_for_user(user: User, public_id: UUID | str) -> Client:
    """Return the client whose progress report `user` may make: their treating practitioner."""
    return client_for_user(user, public_id, write=True)
