"""Goals of an episode: list, create, read."""

from __future__ import annotations

import uuid

from ninja import Query, Router

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.api.idempotency import idempotent
from alliance.web.api.pagination import paginate
from alliance.web.api.routes.common import (
    CREATE_ERRORS,
    ERRORS,
    IDEMPOTENCY,
    LIMIT_DESCRIPTION,
    auth,
    json_response,
)
from alliance.web.api.schemas import GoalIn, GoalOut, GoalPage, goal_out
from alliance.web.collaboration import actions
from alliance.web.collaboration.access import goal_for_user
from alliance.web.collaboration.models import Goal
from alliance.web.practice.access import can_read_clinical_text, episode_for_user

router = Router(tags=["goals"])


@router.get(
    "/episodes/{episode_id}/goals", response={200: GoalPage, **ERRORS}, auth=auth("goals:read")
)
def list_goals(
    request: AuthenticatedRequest,
    episode_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200, description=LIMIT_DESCRIPTION),
):
    """List the goals of an episode."""
    episode = episode_for_user(request.user, episode_id)
    readable = can_read_clinical_text(request.user, episode.client)
    rows, following = paginate(
        Goal.objects.filter(episode=episode).select_related("episode__client"),
        order="created_at",
        cursor=cursor,
        limit=limit,
    )
    return {"items": [goal_out(request.user, g, readable) for g in rows], "next": following}


@router.post(
    "/episodes/{episode_id}/goals",
    response={201: GoalOut, **CREATE_ERRORS},
    auth=auth("goals:write"),
    openapi_extra=IDEMPOTENCY,
)
def create_goal(request: AuthenticatedRequest, episode_id: uuid.UUID, payload: GoalIn):
    """Add a goal, written with the client, to an episode you treat."""
    episode = episode_for_user(request.user, episode_id, write=True)

    def create():
        goal = actions.add_goal(request.user, episode, **payload.dict())
        return json_response(GoalOut, goal_out(request.user, goal), 201)

    return idempotent(request, create)


@router.get("/goals/{goal_id}", response={200: GoalOut, **ERRORS}, auth=auth("goals:read"))
def get_goal(request: AuthenticatedRequest, goal_id: uuid.UUID):
    """Read one goal."""
    return goal_out(request.user, goal_for_user(request.user, goal_id))
