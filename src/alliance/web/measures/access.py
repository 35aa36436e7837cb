"""Who may see or change checks, responses and plan lines: through the session's access."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from alliance.web.measures.models import Check, MeasureResponse, PlanItem
from alliance.web.practice.access import can_write_clinical, clients_for_user


def check_for_user(user, public_id, *, write: bool = False) -> Check:
    """Return the check if `user` may see its session (or change it, with write)."""
    try:
        check = Check.objects.select_related("session__episode__client", "organisation").get(
            public_id=public_id, session__episode__client__in=clients_for_user(user)
        )
    except (Check.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such check") from exc
    if write and not can_write_clinical(user, check.session.episode.client):
        raise Http404("No such check")
    return check


def response_for_user(user, public_id, *, write: bool = False) -> MeasureResponse:
    """Return the response if `user` may see its session (or act on it, with write)."""
    try:
        response = MeasureResponse.objects.select_related("session__episode__client").get(
            public_id=public_id, session__episode__client__in=clients_for_user(user)
        )
    except (MeasureResponse.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such response") from exc
    if write and not can_write_clinical(user, response.session.episode.client):
        raise Http404("No such response")
    return response


def plan_item_for_user(user, public_id) -> PlanItem:
    """Return the plan line if `user` may change its episode."""
    try:
        item = PlanItem.objects.select_related("episode__client").get(
            public_id=public_id, episode__client__in=clients_for_user(user)
        )
    except (PlanItem.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such plan line") from exc
    if not can_write_clinical(user, item.episode.client):
        raise Http404("No such plan line")
    return item
