"""Role checks for whole pages; record-level access lives in each app's access module."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def require_role(user, *roles: str) -> None:
    """Raise Http404 unless `user` has one of `roles` and belongs to an organisation."""
    if not user.is_authenticated:
        raise Http404("Not found")
    if user.organisation_id is None:
        raise Http404("Not found")
    if user.role not in roles:
        raise Http404("Not found")


def get_or_404(queryset: QuerySet[M], what: str, **lookup: Any) -> M:
    """Return the one row of `queryset` matching `lookup`, or raise Http404("No such <what>").

    Every access function fetches its record through this: a row outside the queryset (not
    the user's) and a malformed id (not a UUID) both give 404, never a 500, so an address
    says nothing about what exists.
    """
    try:
        return queryset.get(**lookup)
    # ObjectDoesNotExist: `queryset.get` raises only its model's subclass of it, which the
    # types cannot name for a model that is a type variable.
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        raise Http404(f"No such {what}") from exc
