"""Role checks for whole pages; record-level access lives in each app's access module."""

from __future__ import annotations

from django.http import Http404


def require_role(user, *roles: str) -> None:
    """Raise Http404 unless `user` has one of `roles` and belongs to an organisation."""
    if not user.is_authenticated:
        raise Http404("Not found")
    if user.organisation_id is None:
        raise Http404("Not found")
    if user.role not in roles:
        raise Http404("Not found")
