"""Cursor pagination: an opaque, signed cursor and `limit`; the body says what comes `next`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet

from alliance.web.api.errors import ApiError

_SALT = "alliance.api.cursor"
MAX_LIMIT = 200


def _encode(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def paginate(
    queryset: QuerySet[Any], *, order: str, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Return one page of `queryset` ordered by (`order`, public_id) and the next cursor.

    The cursor is signed so that it cannot be forged, and names the last row by its sort
    value and public id; integer keys never appear in it.
    """
    if limit < 1 or limit > MAX_LIMIT:
        raise ApiError(422, f"limit must be between 1 and {MAX_LIMIT}.", "limit")
    queryset = queryset.order_by(order, "public_id")
    if cursor:
        try:
            kind, value, last_id = signing.loads(cursor, salt=_SALT)
            last_uuid = uuid.UUID(last_id)
            model_field = queryset.model._meta.get_field(order)
            if kind == "datetime":
                value = dt.datetime.fromisoformat(value)
            elif kind == "date":
                value = dt.date.fromisoformat(value)
            else:
                value = model_field.to_python(value)
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise ApiError(
                422, "The cursor is not valid; start again without one.", "cursor"
            ) from exc
        queryset = queryset.filter(
            Q(**{f"{order}__gt": value}) | Q(**{order: value, "public_id__gt": last_uuid})
        )
    rows = list(queryset[: limit + 1])
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        value = getattr(last, order)
        kind = (
            "datetime"
            if isinstance(value, dt.datetime)
            else "date"
            if isinstance(value, dt.date)
            else "value"
        )
        following = signing.dumps([kind, _encode(value), str(last.public_id)], salt=_SALT)
    return rows, following
