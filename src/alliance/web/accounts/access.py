"""Role checks for whole pages; record-level access lives in each app's access module."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from alliance.web.accounts.models import User

M = TypeVar("M", bound=Model)


class AuthenticatedRequest(HttpRequest):
    """The request a `login_required` view receives: its user is signed in, never anonymous.

    Only an annotation (django-stubs' recipe): Django builds a plain HttpRequest, and
    `login_required` has turned away anyone not signed in before the view runs.
    """

    user: User


def staff_user(request: HttpRequest) -> User:
    """Return the signed-in user of an admin request; refuse an anonymous one.

    The admin site lets in only active staff before any ModelAdmin hook runs, so the refusal
    is never reached; it tells the types who the user is.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def require_role(user: User | AnonymousUser, *roles: str) -> int:
    """Return the id of `user`'s organisation; raise Http404 unless `user` has one of `roles`."""
    # Only the anonymous visitor is not authenticated.
    if isinstance(user, AnonymousUser):
        raise Http404("Not found")
    if user.organisation_id is None:
        raise Http404("Not found")
    if user.role not in roles:
        raise Http404("Not found")
    return user.organisation_id


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
