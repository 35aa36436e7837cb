"""One error body everywhere: {"errors": [{"field": ..., "message": ...}]}; FHIR gets OperationOutcome."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from alliance.interop.safejson import JsonInputError
from alliance.web.api.tokens import ScopeError, TokenError

FHIR_MEDIA_TYPE = "application/fhir+json"
FHIR_PREFIX = "/api/v1/fhir/"


class ErrorItem(Schema):
    field: str | None = None
    message: str


class ErrorOut(Schema):
    errors: list[ErrorItem]


class ApiError(Exception):
    """Answer with `status` and one error naming `field`."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def error_body(errors: list[tuple[str | None, str]]) -> dict:
    return {"errors": [{"field": field, "message": message} for field, message in errors]}


def _is_fhir(request: HttpRequest) -> bool:
    return request.path.startswith(FHIR_PREFIX)


def operation_outcome(status: int, errors: list[tuple[str | None, str]]) -> dict:
    code = {400: "structure", 401: "login", 403: "forbidden", 404: "not-found"}.get(
        status, "invalid" if status == 422 else "processing"
    )
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": code,
                "diagnostics": message,
                **({"expression": [field]} if field else {}),
            }
            for field, message in errors
        ],
    }


def respond(request: HttpRequest, status: int, errors: list[tuple[str | None, str]]):
    """Build the error response in the request's dialect (JSON API or FHIR)."""
    if _is_fhir(request):
        body = operation_outcome(status, errors)
        content_type = FHIR_MEDIA_TYPE
    else:
        body = error_body(errors)
        content_type = "application/json"
    response = HttpResponse(json.dumps(body), status=status, content_type=content_type)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="alliance"'
    return response


def _field_of(location) -> str | None:
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or None


NOT_FOUND = "Not found, or not visible to you."


def _validation_errors(request: HttpRequest, exc: ValidationError):
    # A malformed id in the path names no record: 404, as for one outside the caller's reach,
    # so the answer never tells the two apart (docs/security-model.md).
    if any(tuple(error.get("loc", ()))[:1] == ("path",) for error in exc.errors):
        return respond(request, 404, [(None, NOT_FOUND)])
    errors: list[tuple[str | None, str]] = []
    for error in exc.errors:
        field = _field_of(error.get("loc", ()))
        message = error.get("msg", "Invalid value.")
        errors.append((field, f"{field}: {message}" if field else message))
    return respond(request, 422, errors or [(None, "The request is not valid.")])


def _django_validation(request: HttpRequest, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            (None if field == "__all__" else field, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [(None, message) for message in exc.messages]
    return respond(request, 422, errors)


class NotAnObject(ValueError):
    """A request body that is JSON, but not the object the endpoint expects."""


_JSON_TYPES = {"list": "an array", "str": "a string", "int": "a number", "float": "a number"}


def _http_error(request: HttpRequest, exc: HttpError):
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, NotAnObject):
        found = _JSON_TYPES.get(str(cause), str(cause))
        return respond(
            request, 422, [(None, f"The request body must be a JSON object, not {found}.")]
        )
    if exc.status_code == 400 and isinstance(cause, JsonInputError):
        return respond(request, 400, [(None, f"Malformed JSON in the request body: {cause}.")])
    if exc.status_code == 400:
        return respond(
            request, 400, [(None, "Malformed JSON: the request body could not be parsed as JSON.")]
        )
    return respond(request, exc.status_code, [(None, str(exc))])


def install(api) -> None:
    """Register the handlers on the NinjaAPI `api`."""
    api.add_exception_handler(
        TokenError, lambda request, exc: respond(request, 401, [("Authorization", str(exc))])
    )
    api.add_exception_handler(
        AuthenticationError,
        lambda request, exc: respond(
            request, 401, [("Authorization", "Authentication required: send a bearer token.")]
        ),
    )
    api.add_exception_handler(
        ScopeError, lambda request, exc: respond(request, 403, [("Authorization", str(exc))])
    )
    api.add_exception_handler(
        Http404,
        lambda request, exc: respond(request, 404, [(None, NOT_FOUND)]),
    )
    api.add_exception_handler(
        ApiError, lambda request, exc: respond(request, exc.status, [(exc.field, exc.message)])
    )
    api.add_exception_handler(ValidationError, _validation_errors)
    api.add_exception_handler(DjangoValidationError, _django_validation)
    api.add_exception_handler(HttpError, _http_error)
