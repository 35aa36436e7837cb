"""Every write to API tokens: create and revoke. Each one audits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.credentials import credential_changed
from alliance.web.accounts.models import Role, User
from alliance.web.api.models import (
    MAX_TOKEN_DAYS,
    SCOPES,
    SERVICE_SCOPES,
    ApiToken,
    TokenKind,
)
from alliance.web.api.tokens import hash_secret, new_secret


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    """Return the scopes without duplicates, refusing unknown ones and an empty list."""
    cleaned: list[str] = []
    for scope in scopes:
        scope = scope.strip()
        if scope not in SCOPES:
            raise ValidationError(
                {"scopes": f"Unknown scope {scope!r}; known scopes: {', '.join(SCOPES)}."}
            )
        if scope not in cleaned:
            cleaned.append(scope)
    if not cleaned:
        raise ValidationError({"scopes": "Choose at least one scope."})
    return cleaned


def create_token(
    actor: User | None,
    user: User,
    *,
    scopes: Iterable[str],
    days: int,
    name: str = "",
    kind: str = TokenKind.PERSONAL,
) -> tuple[ApiToken, str]:
    """Create a token acting as `user`; return (token, secret). The secret is shown only once.

    Anyone on the staff creates personal tokens for themselves. An admin creates service
    tokens for an integration over one practitioner's records: such a token carries only
    SERVICE_SCOPES (no clinical free text, no clinical writes), is listed on that
    practitioner's token page, and the practitioner is told by e-mail. `actor` None is the
    operator at the command line, who may create either kind for anyone; a service token
    carries only SERVICE_SCOPES whoever creates it.
    """
    if user.organisation_id is None:
        raise ValidationError({"user": f"{user.username} belongs to no organisation."})
    if actor is not None and kind == TokenKind.PERSONAL and actor.pk != user.pk:
        raise ValidationError({"user": "A personal token is for yourself only."})
    if (
        actor is not None
        and kind == TokenKind.SERVICE
        and (actor.role != Role.ADMIN or actor.organisation_id != user.organisation_id)
    ):
        raise ValidationError(
            {"kind": "Only an admin of the user's organisation creates service tokens."}
        )
    if kind not in TokenKind.values:
        raise ValidationError({"kind": f"Unknown token kind {kind!r}."})
    delegated = kind == TokenKind.SERVICE or (actor is not None and actor.pk != user.pk)
    if kind == TokenKind.SERVICE and user.role != Role.PRACTITIONER:
        raise ValidationError(
            {"user": "A service token covers one practitioner's records; choose a practitioner."}
        )
    if not isinstance(days, int) or days < 1 or days > MAX_TOKEN_DAYS:
        raise ValidationError(
            {"days": f"A token expires after 1 to {MAX_TOKEN_DAYS} days, not {days!r}."}
        )
    cleaned = clean_scopes(scopes)
    refused = [scope for scope in cleaned if scope not in SERVICE_SCOPES]
    if delegated and refused:
        raise ValidationError(
            {
                "scopes": (
                    f"A service token, or one created for someone else, reads no clinical "
                    f"text and writes no clinical records: {', '.join(refused)} "
                    f"{'is' if len(refused) == 1 else 'are'} not allowed (allowed: "
                    f"{', '.join(SERVICE_SCOPES)})."
                )
            }
        )
    prefix, secret = new_secret()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            organisation_id=user.organisation_id,
            user=user,
            created_by=actor,
            kind=kind,
            name=name.strip()[:100],
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=cleaned,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        credential_changed(
            user,
            f"{kind} API token {prefix}… created: {' '.join(cleaned)}"
            + (" (command line)" if actor is None else ""),
            actor=actor,
            obj=token,
        )
    return token, secret


def revoke_token(actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke the token at once; a revoked token answers 401 from then on."""
    if token.revoked_at is not None:
        raise ValidationError("This token is already revoked.")
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        credential_changed(token.user, f"API token {token.prefix}… revoked", actor=actor, obj=token)
    return token
