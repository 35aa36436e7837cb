"""Write audit entries; every action function calls `record`."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

from alliance.web.audit.models import AuditAction, AuditEntry

# The API token the current request authenticated with (set by the API's TokenAuth, cleared
# at the start and end of every request), so that every entry written on its behalf names it.
_current_token: ContextVar = ContextVar("alliance_audit_token", default=None)


def use_token(token) -> None:
    """Attribute the audit entries of the rest of this request to `token` and its creator."""
    _current_token.set(token)


def clear_token(**_kwargs: Any) -> None:
    """Forget the request's token (connected to request_started and request_finished)."""
    _current_token.set(None)


def current_token():
    return _current_token.get()


def record(actor, action: str, obj=None, *, summary: str = "", organisation=None) -> AuditEntry:
    """Append one audit entry for `actor` doing `action` to `obj`."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    object_type = obj._meta.model_name if obj is not None else ""
    object_id = getattr(obj, "public_id", None) if obj is not None else None
    organisation_id = organisation.pk if organisation is not None else None
    if organisation_id is None:
        # An object's organisation key, where it has one, without reading the organisation.
        organisation_id = getattr(obj, "organisation_id", None)
    if organisation_id is None:
        organisation = getattr(obj, "organisation", None) or getattr(actor, "organisation", None)
        organisation_id = organisation.pk if organisation is not None else None
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    token = _current_token.get()
    creator = token.created_by if token is not None else None
    return AuditEntry.objects.create(
        organisation_id=organisation_id,
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else "anonymous"),
        action=action,
        object_type=object_type,
        object_id=object_id if isinstance(object_id, uuid.UUID) else None,
        summary=summary[:300],
        token_prefix=token.prefix if token is not None else "",
        token_creator=creator,
        token_creator_name=(
            creator.get_username() if creator is not None else "command line" if token else ""
        ),
    )


def record_many(actor, action: str, items, *, organisation) -> list[AuditEntry]:
    """Append one audit entry per (object type, object public id, summary) with one INSERT.

    For imports, where an entry per critical answer would otherwise cost a query each.
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    entries = [
        AuditEntry(
            organisation=organisation,
            actor=actor if is_user else None,
            actor_name=(actor.get_username() if is_user else "anonymous"),
            action=action,
            object_type=object_type,
            object_id=object_id if isinstance(object_id, uuid.UUID) else None,
            summary=summary[:300],
        )
        for object_type, object_id, summary in items
    ]
    return AuditEntry.objects.bulk_create(entries, batch_size=500)
