"""Checks (the client's link after a session) and scored responses."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Query, Router

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.api.errors import ApiError
from alliance.web.api.idempotency import idempotent
from alliance.web.api.pagination import paginate
from alliance.web.api.routes.common import (
    CREATE_ERRORS,
    DATE_FROM,
    DATE_TO,
    ERRORS,
    IDEMPOTENCY,
    INSTRUMENT,
    LIMIT_DESCRIPTION,
    auth,
    json_response,
)
from alliance.web.api.routes.practice import date_range
from alliance.web.api.schemas import CheckOut, ResponseOut, ResponsePage, check_out, response_out
from alliance.web.measures import actions
from alliance.web.measures.access import check_for_user, response_for_user
from alliance.web.measures.models import MeasureResponse
from alliance.web.measures.summary import scored_rows
from alliance.web.practice.access import clients_for_user, session_for_user

router = Router()


@router.post(
    "/sessions/{session_id}/checks",
    response={200: CheckOut, 201: CheckOut, **CREATE_ERRORS},
    auth=auth("checks:write"),
    tags=["checks"],
    openapi_extra=IDEMPOTENCY,
)
def create_check(request: AuthenticatedRequest, session_id: uuid.UUID):
    """Bundle the measures due at the session into a check; answer with the client's link.

    An open check of the session is returned (200) rather than duplicated (201 when new);
    instruments the client already answered for the session are left out, and when none
    is left the request is refused with 409.
    """
    session = session_for_user(request.user, session_id, write=True)

    def create():
        before = set(session.checks.values_list("pk", flat=True))
        try:
            check, _token = actions.create_check(request.user, session)
        except actions.AlreadyAnswered as error:
            raise ApiError(409, error.messages[0], "session_id") from None
        if check is None:
            raise ApiError(422, "No client measures are due at this session.", "session_id")
        status = 200 if check.pk in before else 201
        return json_response(CheckOut, check_out(request, check), status)

    return idempotent(request, create)


@router.get(
    "/checks/{check_id}",
    response={200: CheckOut, **ERRORS},
    auth=auth("checks:read"),
    tags=["checks"],
)
def get_check(request: AuthenticatedRequest, check_id: uuid.UUID):
    """Read a check and, while it is open, its link (only the treating practitioner)."""
    # The link is a credential for the client's answers: as on the web, only who may write.
    return check_out(request, check_for_user(request.user, check_id, write=True))


def _rows_for(responses: list[MeasureResponse]) -> dict[int, object]:
    """The web's scored rows (band label, subscales, reliable change) keyed by response id."""
    episodes = {r.session.episode_id for r in responses}
    history = list(
        MeasureResponse.objects.filter(session__episode_id__in=episodes).select_related(
            "session__episode"
        )
    )
    by_episode: dict[int, list[MeasureResponse]] = {}
    for response in history:
        by_episode.setdefault(response.session.episode_id, []).append(response)
    rows: dict[int, object] = {}
    for group in by_episode.values():
        for session_rows in scored_rows(group).values():
            for row in session_rows:
                rows[row.response.pk] = row
    return rows


@router.get(
    "/responses",
    response={200: ResponsePage, **ERRORS},
    auth=auth("responses:read"),
    tags=["responses"],
)
def list_responses(
    request: AuthenticatedRequest,
    episode: uuid.UUID | None = None,
    instrument: str | None = INSTRUMENT,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200, description=LIMIT_DESCRIPTION),
):
    """List scored responses with band, subscales and reliable change, as the web shows them."""
    queryset = MeasureResponse.objects.filter(
        session__episode__client__in=clients_for_user(request.user)
    ).select_related("session__episode")
    if episode is not None:
        queryset = queryset.filter(session__episode__public_id=episode)
    if instrument:
        queryset = queryset.filter(instrument_id=instrument)
    queryset = date_range(queryset, "submitted_at", date_from, date_to)
    page, following = paginate(queryset, order="submitted_at", cursor=cursor, limit=limit)
    rows = _rows_for(page)
    return {"items": [response_out(rows[r.pk]) for r in page], "next": following}


@router.get(
    "/responses/{response_id}",
    response={200: ResponseOut, **ERRORS},
    auth=auth("responses:read"),
    tags=["responses"],
)
def get_response(request: AuthenticatedRequest, response_id: uuid.UUID):
    """Read one scored response."""
    response = response_for_user(request.user, response_id)
    return response_out(_rows_for([response])[response.pk])
