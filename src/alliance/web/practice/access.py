"""Who may see or change which practice record: the one place that decides.

Every view fetches protected objects through these functions. Each returns a queryset
scoped to what the user may see, or raises Http404 — never 403 — so that the existence of
another caseload's records does not leak. Each condition stands on its own line.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import Role, User
from alliance.web.practice.models import Client, Episode, Session


def _caseload_filter(user: User) -> Q | None:
    """Return the filter for clients the user may see, or None for nobody.

    Episode conditions are subqueries rather than joins so that each branch uses an index
    (an OR across a join would scan every client of the organisation).
    """
    if not user.is_authenticated or user.organisation_id is None:
        return None
    in_org = Q(organisation_id=user.organisation_id)
    if user.role == Role.PRACTITIONER:
        treated = Episode.objects.filter(practitioner=user).values("client_id")
        return in_org & (Q(practitioner=user) | Q(id__in=treated))
    if user.role == Role.SUPERVISOR:
        supervisees = User.objects.filter(supervisor=user).values("id")
        treated = Episode.objects.filter(practitioner__in=supervisees).values("client_id")
        return in_org & (Q(practitioner__in=supervisees) | Q(id__in=treated))
    if user.role == Role.ADMIN:
        return in_org
    # Researchers never see a client record.
    return None


def clients_for_user(user: User) -> QuerySet[Client]:
    """Return the clients `user` may see."""
    condition = _caseload_filter(user)
    if condition is None:
        return Client.objects.none()
    return Client.objects.filter(condition)


def can_write_clinical(user: User, client: Client) -> bool:
    """Only the responsible or treating practitioner changes clinical records."""
    if user.role != Role.PRACTITIONER:
        return False
    if client.practitioner_id == user.id:
        return True
    return client.episodes.filter(practitioner=user).exists()


def can_read_clinical_text(user: User, client: Client) -> bool:
    """Whether `user` may read notes, names and contact details of `client`.

    The practitioner and their supervisor may; an admin may not unless they are also the
    practitioner (admins manage people, not therapy).
    """
    if user.role == Role.PRACTITIONER:
        return can_write_clinical(user, client)
    if user.role == Role.SUPERVISOR:
        return clients_for_user(user).filter(pk=client.pk).exists()
    return False


def client_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Client:
    """Return the client with `public_id` if `user` may see it (or change it, with write)."""
    client = get_or_404(
        clients_for_user(user).select_related("practitioner"), "client", public_id=public_id
    )
    if write and not can_write_clinical(user, client):
        raise Http404("No such client")
    return client


def episodes_for_user(user: User) -> QuerySet[Episode]:
    """Return the episodes of clients `user` may see."""
    return Episode.objects.filter(client__in=clients_for_user(user))


def episode_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Episode:
    """Return the episode with `public_id` if `user` may see it (or change it, with write)."""
    episode = get_or_404(
        episodes_for_user(user).select_related("client", "practitioner"),
        "episode",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, episode.client):
        raise Http404("No such episode")
    return episode


def sessions_for_user(user: User) -> QuerySet[Session]:
    """Return the sessions of clients `user` may see."""
    return Session.objects.filter(episode__client__in=clients_for_user(user))


def session_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Session:
    """Return the session with `public_id` if `user` may see it (or change it, with write)."""
    session = get_or_404(
        sessions_for_user(user).select_related(
            "episode", "episode__client", "episode__practitioner"
        ),
        "session",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, session.episode.client):
        raise Http404("No such session")
    return session


def practitioners_for_user(user: User) -> QuerySet[User]:
    """Return the practitioners whose caseloads `user` may look at."""
    if not user.is_authenticated or user.organisation_id is None:
        return User.objects.none()
    base = User.objects.filter(organisation_id=user.organisation_id, role=Role.PRACTITIONER)
    if user.role == Role.PRACTITIONER:
        return base.filter(pk=user.pk)
    if user.role == Role.SUPERVISOR:
        return base.filter(supervisor=user)
    if user.role == Role.ADMIN:
        return base
    return User.objects.none()
