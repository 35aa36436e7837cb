"""Write audit entries; every action function calls `record`."""

from __future__ import annotations

import uuid

from alliance.web.audit.models import AuditAction, AuditEntry


def record(actor, action: str, obj=None, *, summary: str = "", organisation=None) -> AuditEntry:
    """Append one audit entry for `actor` doing `action` to `obj`."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    object_type = obj._meta.model_name if obj is not None else ""
    object_id = getattr(obj, "public_id", None) if obj is not None else None
    if organisation is None:
        organisation = getattr(obj, "organisation", None) or getattr(actor, "organisation", None)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else "anonymous"),
        action=action,
        object_type=object_type,
        object_id=object_id if isinstance(object_id, uuid.UUID) else None,
        summary=summary[:300],
    )
