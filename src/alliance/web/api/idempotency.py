"""Idempotency keys on create endpoints: a retried request replays the stored answer.

Keys are scoped per token and kept 24 hours. The record is inserted in the same
transaction as the creation, under a unique constraint, so of two concurrent identical
requests one creates and the other waits, then replays (or, where the database does not
serialise them, is told the first is still in progress); none creates twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from alliance.web.api.errors import ApiError
from alliance.web.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    assert request.method is not None  # None only on an HttpRequest built by hand
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.body or b"")
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.request_hash != fingerprint:
        raise ApiError(
            422,
            f"The {HEADER} was already used with a different request body; use a new key.",
            HEADER,
        )
    if record.status_code is None:
        raise ApiError(409, f"A request with this {HEADER} is still in progress.", HEADER)
    response = HttpResponse(
        record.body, status=record.status_code, content_type=record.content_type
    )
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request: HttpRequest, create: Callable[[], HttpResponse]) -> HttpResponse:
    """Run `create` once per (token, Idempotency-Key); replay its answer for a retry."""
    key = request.headers.get(HEADER)
    if key is None:
        return create()
    key = key.strip()
    if not key or len(key) > 255:
        raise ApiError(422, f"The {HEADER} header must be 1 to 255 characters.", HEADER)
    # django-ninja sets `auth` (the TokenAuth's ApiToken) on the request; HttpRequest's stub
    # cannot know it.
    token = request.auth  # type: ignore[attr-defined]
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        IdempotencyRecord.objects.filter(
            token=token, key=key, created_at__lt=timezone.now() - KEEP
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    token=token, key=key, request_hash=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(token=token, key=key)
            return _replay(existing, fingerprint)
        response = create()
        record.status_code = response.status_code
        record.body = response.content.decode("utf-8")
        record.content_type = response.get("Content-Type", "application/json")
        record.location = response.get("Location", "")[:300]
        record.save(update_fields=["status_code", "body", "content_type", "location"])
    return response


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete idempotency records older than 24 hours; return how many."""
    now = now or timezone.now()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted
