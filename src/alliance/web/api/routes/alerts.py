"""Alerts: list, read, acknowledge, resolve with a note."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Query, Router

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.api.pagination import paginate
from alliance.web.api.routes.common import DATE_FROM, DATE_TO, ERRORS, LIMIT_DESCRIPTION, auth
from alliance.web.api.routes.practice import date_range, text_readable_ids
from alliance.web.api.schemas import AlertOut, AlertPage, ResolveIn, alert_out
from alliance.web.insights import actions
from alliance.web.insights.access import alert_for_user, alerts_for_user

router = Router(tags=["alerts"])


@router.get("/alerts", response={200: AlertPage, **ERRORS}, auth=auth("alerts:read"))
def list_alerts(
    request: AuthenticatedRequest,
    episode: uuid.UUID | None = None,
    state: Literal["open", "acknowledged", "snoozed", "resolved"] | None = None,
    date_from: dt.date | None = DATE_FROM,
    date_to: dt.date | None = DATE_TO,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200, description=LIMIT_DESCRIPTION),
):
    """List the alerts of your caseload (or your supervisees')."""
    queryset = alerts_for_user(request.user).select_related("episode__client")
    if episode is not None:
        queryset = queryset.filter(episode__public_id=episode)
    if state is not None:
        queryset = queryset.filter(state=state)
    queryset = date_range(queryset, "opened_at", date_from, date_to)
    rows, following = paginate(queryset, order="opened_at", cursor=cursor, limit=limit)
    readable = text_readable_ids(request.user, [a.episode.client for a in rows])
    return {
        "items": [alert_out(request.user, a, a.episode.client.pk in readable) for a in rows],
        "next": following,
    }


@router.get("/alerts/{alert_id}", response={200: AlertOut, **ERRORS}, auth=auth("alerts:read"))
def get_alert(request: AuthenticatedRequest, alert_id: uuid.UUID):
    """Read one alert with its evidence."""
    return alert_out(request.user, alert_for_user(request.user, alert_id))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response={200: AlertOut, **ERRORS},
    auth=auth("alerts:write"),
)
def acknowledge_alert(request: AuthenticatedRequest, alert_id: uuid.UUID):
    """Say the alert has been seen (the treating practitioner only)."""
    alert = alert_for_user(request.user, alert_id, write=True)
    actions.acknowledge_alert(request.user, alert)
    return alert_out(request.user, alert)


@router.post(
    "/alerts/{alert_id}/resolve", response={200: AlertOut, **ERRORS}, auth=auth("alerts:write")
)
def resolve_alert(request: AuthenticatedRequest, alert_id: uuid.UUID, payload: ResolveIn):
    """Close the alert with a note of what was done (the treating practitioner only)."""
    alert = alert_for_user(request.user, alert_id, write=True)
    actions.resolve_alert(request.user, alert, note=payload.note)
    return alert_out(request.user, alert)
