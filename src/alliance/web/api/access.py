"""Who may see or revoke which API token: one's own, and an admin every token of the organisation."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import Role, User
from alliance.web.api.models import ApiToken


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    """Return the tokens `user` may see: their own; an admin's organisation's."""
    if not user.is_authenticated or user.organisation_id is None:
        return ApiToken.objects.none()
    if user.role == Role.ADMIN:
        return ApiToken.objects.filter(organisation_id=user.organisation_id)
    return ApiToken.objects.filter(user=user, organisation_id=user.organisation_id)


def token_for_user(user: User, public_id: UUID | str) -> ApiToken:
    """Return the token with `public_id` if `user` may see and revoke it."""
    return get_or_404(tokens_for_user(user).select_related("user"), "token", public_id=public_id)
