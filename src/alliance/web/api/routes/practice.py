"""Clients, episodes (with phase changes) and sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.accounts.models import Role, User
from alliance.web.api.errors import ApiError
from alliance.web.api.idempotency import idempotent
from alliance.web.api.pagination import paginate
from alliance.web.api.routes.common import (
    CREATE_ERRORS,
    DATE_FROM,
    DATE_TO,
    ERRORS,
    IDEMPOTENCY,
    LIMIT_DESCRIPTION,
    auth,
    json_response,
)
from alliance.web.api.schemas import (
    DATE_RANGE,
    EARLIEST,
    LATEST,
    ClientIn,
    ClientOut,
    ClientPage,
    EpisodeIn,
    EpisodeOut,
    EpisodePage,
    PhaseIn,
    SessionIn,
    SessionOut,
    SessionPage,
    client_out,
    episode_out,
    session_out,
)
from alliance.web.practice import actions
from alliance.web.practice.access import (
    can_read_clinical_text,
    client_for_user,
    clients_for_user,
    episode_for_user,
    episodes_for_user,
    session_for_user,
    sessions_for_user,
)
from alliance.web.rights.export import build_client_export

router = Router(tags=["practice"])


def text_readable_ids(user: User, clients) -> set[int]:
    """Ids of `clients` whose clinical text `user` may read (one check per distinct client)."""
    return {c.pk for c in {c.pk: c for c in clients}.values() if can_read_clinical_text(user, c)}


def date_range(queryset, field: str, date_from, date_to):
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ApiError(
                422, f"'{name}' {day.isoformat()} is out of range: dates {DATE_RANGE}.", name
            )
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, "'from' must not be after 'to'.", "from")
    if date_from:
        queryset = queryset.filter(**{f"{field}__gte": _start(date_from)})
    if date_to:
        queryset = queryset.filter(**{f"{field}__lt": _start(date_to + dt.timedelta(days=1))})
    return queryset


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- clients ---------------------------------------------------------------------------


@router.get(
    "/clients", response={200: ClientPage, **ERRORS}, auth=auth("clients:read"), tags=["clients"]
)
def list_clients(
    request: AuthenticatedRequest,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200, description=LIMIT_DESCRIPTION),
):
    """List the clients you may see."""
    rows, following = paginate(
        clients_for_user(request.user).select_related("practitioner"),
        order="created_at",
        cursor=cursor,
        limit=limit,
    )
    readable = text_readable_ids(request.user, rows)
    return {
        "items": [client_out(request.user, c, c.pk in readable) for c in rows],
        "next": following,
    }


@router.post(
    "/clients",
    response={201: ClientOut, **CREATE_ERRORS},
    auth=auth("clients:write"),
    tags=["clients"],
    openapi_extra=IDEMPOTENCY,
)
def create_client(request: AuthenticatedRequest, payload: ClientIn):
    """Add a client to your caseload (practitioners only)."""
    if request.user.role != Role.PRACTITIONER:
        raise Http404("Only practitioners add clients")

    def create():
        client = actions.create_client(request.user, **payload.dict())
        return json_response(ClientOut, client_out(request.user, client), 201)

    return idempotent(request, create)


@router.get(
    "/clients/{client_id}",
    response={200: ClientOut, **ERRORS},
    auth=auth("clients:read"),
    tags=["clients"],
)
def get_client(request: AuthenticatedRequest, client_id: uuid.UUID):
    """Read one client."""
    return client_out(request.user, client_for_user(request.user, client_id))


# --- episodes --------------------------------------------------------------------------


def _episode_rows(queryset):
    return queryset.select_related("client", "practitioner").prefetch_related(
        "phase_changes__changed_by"
    )


@router.get(
    "/episodes",
    response={200: EpisodePage, **ERRORS},
    auth=auth("episodes:read"),
    tags=["episodes"],
)
def list_episodes(
    request: AuthenticatedRequest,
    client: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200, description=LIMIT_DESCRIPTION),
):
    """List the episodes you may see, optionally of one client."""
    queryset = episodes_for_user(request.user)
    if client is not None:
        queryset = queryset.filter(client__public_id=client)
    rows, following = paginate(
        _episode_rows(queryset), order="created_at", cursor=cursor, limit=limit
    )
    readable = text_readable_ids(request.user, [e.client for e in rows])
    return {
        "items": [episode_out(request.user, e, e.client.pk in readable) for e in rows],
        "next": following,
    }


@router.post(
    "/clients/{client_id}/episodes",
    response={201: EpisodeOut, **CREATE_ERRORS},
    auth=auth("episodes:write"),
    tags=["episodes"],
    openapi_extra=IDEMPOTENCY,
)
def start_episode(request: AuthenticatedRequest, client_id: uuid.UUID, payload: EpisodeIn):
    """Open an episode of care for a client you treat."""
    client = client_for_user(request.user, client_id, write=True)

    def create():
        episode = actions.start_episode(request.user, client, **payload.dict())
        return json_response(EpisodeOut, episode_out(request.user, episode), 201)

    return idempotent(request, create)


@router.get(
    "/episodes/{episode_id}",
    response={200: EpisodeOut, **ERRORS},
    auth=auth("episodes:read"),
    tags=["episodes"],
)
def get_episode(request: AuthenticatedRequest, episode_id: uuid.UUID):
    """Read one episode with its phase changes."""
    return episode_out(request.user, episode_for_user(request.user, episode_id))


@router.post(
    "/episodes/{episode_id}/phase",
    response={200: EpisodeOut, **ERRORS},
    auth=auth("episodes:write"),
    tags=["episodes"],
)
def move_phase(request: AuthenticatedRequest, episode_id: uuid.UUID, payload: PhaseIn):
    """Move the episode to another phase (a dated event; going back needs a reason)."""
    episode = episode_for_user(request.user, episode_id, write=True)
    actions.move_to_phase(
        request.user,
        episode,
        payload.to_phase,
        changed_on=payload.changed_on,
        reason=payload.reason,
    )
    return episode_out(request.user, episode_for_user(request.user, episode_id))


# --- sessions --------------------------------------------------------------------------


@router.get(
    "/sessions",
    response={200: SessionPage, **ERRORS},
    auth=auth("sessions:read"),
    tags=["sessions"],
)
def list_sessions(
    request: AuthenticatedRequest,
    episode: uuid.UUID | None = None,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200, description=LIMIT_DESCRIPTION),
):
    """List the sessions you may see, by episode and date."""
    queryset = sessions_for_user(request.user).select_related("episode__client")
    if episode is not None:
        queryset = queryset.filter(episode__public_id=episode)
    queryset = date_range(queryset, "starts_at", date_from, date_to)
    rows, following = paginate(queryset, order="starts_at", cursor=cursor, limit=limit)
    readable = text_readable_ids(request.user, [s.episode.client for s in rows])
    return {
        "items": [session_out(request.user, s, s.episode.client.pk in readable) for s in rows],
        "next": following,
    }


@router.post(
    "/episodes/{episode_id}/sessions",
    response={201: SessionOut, **CREATE_ERRORS},
    auth=auth("sessions:write"),
    tags=["sessions"],
    openapi_extra=IDEMPOTENCY,
)
def record_session(request: AuthenticatedRequest, episode_id: uuid.UUID, payload: SessionIn):
    """Log a session; it gets the next number and the episode's phase."""
    episode = episode_for_user(request.user, episode_id, write=True)
    if timezone.is_naive(payload.starts_at):
        raise ApiError(422, "starts_at needs a time zone, e.g. +01:00 or Z.", "starts_at")

    def create():
        session = actions.record_session(request.user, episode, **payload.dict())
        return json_response(SessionOut, session_out(request.user, session), 201)

    return idempotent(request, create)


@router.get(
    "/sessions/{session_id}",
    response={200: SessionOut, **ERRORS},
    auth=auth("sessions:read"),
    tags=["sessions"],
)
def get_session(request: AuthenticatedRequest, session_id: uuid.UUID):
    """Read one session."""
    return session_out(request.user, session_for_user(request.user, session_id))


@router.get(
    "/clients/{client_id}/export",
    response={200: dict, **ERRORS},
    auth=auth("clients:export"),
    tags=["clients"],
)
def export_client(request: AuthenticatedRequest, client_id: uuid.UUID):
    """Everything held about a client as JSON (scope clients:export; the treating practitioner only; audited)."""

    client = client_for_user(request.user, client_id, write=True)
    return build_client_export(request.user, client, via="api")
