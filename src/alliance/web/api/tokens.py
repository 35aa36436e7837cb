"""Bearer tokens: generate, hash, look up, and the per-operation scope check of the API."""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from alliance.web.api.models import ApiToken
from alliance.web.audit.log import record, use_token
from alliance.web.audit.models import AuditAction

TOKEN_PREFIX = "alt_"  # noqa: S105 - a marker, not a secret


class TokenError(Exception):
    """The request's token is missing, unknown, expired or revoked (401)."""


class ScopeError(Exception):
    """The token is valid but lacks the scope the operation needs (403)."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> tuple[str, str]:
    """Return (display prefix, whole secret); the secret carries 256 bits of randomness."""
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def token_from_secret(secret: str) -> ApiToken:
    """Return the active token whose secret is `secret`, or raise TokenError saying why not."""
    token = (
        ApiToken.objects.select_related("user", "user__organisation", "organisation", "created_by")
        .filter(secret_hash=hash_secret(secret))
        .first()
    )
    if token is None:
        raise TokenError("The token is not valid.")
    if token.revoked_at is not None:
        raise TokenError("The token has been revoked.")
    if token.expires_at <= timezone.now():
        raise TokenError("The token has expired.")
    user = token.user
    if not user.is_active or user.organisation_id != token.organisation_id:
        raise TokenError("The token's user can no longer use Alliance.")
    return token


class TokenAuth(HttpBearer):
    """Authenticate by `Authorization: Bearer <token>` and require `scope` of the token."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiToken:
        header = request.headers.get(self.header, "")
        if not header:
            raise TokenError("Authentication required: send 'Authorization: Bearer <token>'.")
        parts = header.split(" ", 1)
        if len(parts) != 2 or parts[0].lower() != self.openapi_scheme.lower():
            raise TokenError("The Authorization header must be 'Bearer <token>'.")
        return self.authenticate(request, parts[1].strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = token_from_secret(token)
        if not found.allows(self.scope):
            raise ScopeError(f"The token lacks the scope {self.scope!r}.")
        now = timezone.now()
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
        # The token acts as its user, never more: every access helper receives this user.
        request.user = found.user
        # ...and every audit entry of this request names the token and who created it.
        use_token(found)
        if found.is_delegated:
            # Someone else's token reaching this user's records: each use is on the record.
            record(
                found.user,
                AuditAction.VIEW,
                found,
                summary=f"API {request.method} {request.path} through a service token",
                organisation=found.organisation,
            )
        return found
