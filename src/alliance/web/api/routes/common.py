"""Helpers shared by the API's routes: auth per scope, documented error answers, JSON answers."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from ninja import Query

from alliance.web.api.errors import ErrorOut
from alliance.web.api.tokens import TokenAuth

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CREATE_ERRORS = {**ERRORS, 409: ErrorOut}
LIMIT_DESCRIPTION = "Rows per page (1–200)."
IDEMPOTENCY = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": 255},
            "description": "Send the same key to retry safely: the first answer is replayed (24 h).",
        }
    ]
}


def auth(scope: str) -> TokenAuth:
    return TokenAuth(scope)


def json_response(schema, data: dict, status: int) -> HttpResponse:
    """Serialise `data` through `schema` (so the answer matches the OpenAPI schema)."""
    body = schema.model_validate(data).model_dump(mode="json")
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type="application/json"
    )


# Module-level parameter declarations (`from` is a Python keyword, hence the alias).
DATE_FROM = Query(None, alias="from", description="First day, inclusive (YYYY-MM-DD).")
DATE_TO = Query(None, alias="to", description="Last day, inclusive (YYYY-MM-DD).")
INSTRUMENT = Query(None, max_length=64, description="Instrument id, e.g. phq-9.")
