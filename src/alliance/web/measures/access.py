"""Who may see or change checks, responses and plan lines: through the session's access."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import User
from alliance.web.measures.models import Check, MeasureResponse, PlanItem
from alliance.web.practice.access import can_write_clinical, clients_for_user


def check_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Check:
    """Return the check if `user` may see its session (or change it, with write)."""
    check = get_or_404(
        Check.objects.select_related("session__episode__client", "organisation"),
        "check",
        public_id=public_id,
        session__episode__client__in=clients_for_user(user),
    )
    if write and not can_write_clinical(user, check.session.episode.client):
        raise Http404("No such check")
    return check


def response_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> MeasureResponse:
    """Return the response if `user` may see its session (or act on it, with write)."""
    response = get_or_404(
        MeasureResponse.objects.select_related("session__episode__client"),
        "response",
        public_id=public_id,
        session__episode__client__in=clients_for_user(user),
    )
    if write and not can_write_clinical(user, response.session.episode.client):
        raise Http404("No such response")
    return response


def plan_item_for_user(user: User, public_id: UUID | str) -> PlanItem:
    """Return the plan line if `user` may change its episode."""
    item = get_or_404(
        PlanItem.objects.select_related("episode__client"),
        "plan line",
        public_id=public_id,
        episode__client__in=clients_for_user(user),
    )
    if not can_write_clinical(user, item.episode.client):
        raise Http404("No such plan line")
    return item
