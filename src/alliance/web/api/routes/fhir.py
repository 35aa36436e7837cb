"""FHIR R4: Questionnaire (read, search) and QuestionnaireResponse (create, read, search).

Requests and answers are `application/fhir+json`, validated by fhir.resources; errors are
OperationOutcome resources. Creating a QuestionnaireResponse stores a scored response
exactly as `alliance import fhir` does, for a session the token's user treats.
"""

from __future__ import annotations

import json
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from ninja import Query, Router

from alliance.instruments import load_library
from alliance.interop import safejson
from alliance.interop.fhir import (
    FhirError,
    parse_questionnaire_responses,
    questionnaire,
    validate_resource,
)
from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.accounts.models import User
from alliance.web.api.errors import FHIR_MEDIA_TYPE, ApiError
from alliance.web.api.idempotency import idempotent
from alliance.web.api.routes.common import auth
from alliance.web.measures.access import response_for_user
from alliance.web.measures.fhir import check_for_session, response_to_fhir
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.measures.recording import Administration, record_responses
from alliance.web.practice.access import clients_for_user, session_for_user

router = Router(tags=["fhir"])

_OUTCOME = {"$ref": "#/components/schemas/OperationOutcome"}
_RESOURCE = {"type": "object", "required": ["resourceType"], "additionalProperties": True}


def _doc(ok: dict[int, str], *, body: bool = False, idempotent_key: bool = False) -> dict:
    responses = {
        code: {"description": text, "content": {FHIR_MEDIA_TYPE: {"schema": _RESOURCE}}}
        for code, text in ok.items()
    }
    for code, text in {
        400: "Malformed request",
        401: "Missing, unknown, expired or revoked token",
        403: "The token lacks the scope",
        404: "Not found, or not visible to you",
        409: "Already present, or the same key is still in progress",
        415: "Not application/fhir+json",
        422: "Invalid resource",
    }.items():
        if code in (409, 415) and not body:
            continue
        responses[code] = {
            "description": text,
            "content": {FHIR_MEDIA_TYPE: {"schema": _OUTCOME}},
        }
    extra: dict = {"responses": responses}
    if body:
        extra["requestBody"] = {
            "required": True,
            "content": {FHIR_MEDIA_TYPE: {"schema": _RESOURCE}},
        }
    if idempotent_key:
        extra["parameters"] = [
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
            }
        ]
    return extra


def fhir_response(resource: dict, status: int = 200, location: str = "") -> HttpResponse:
    response = HttpResponse(json.dumps(resource), status=status, content_type=FHIR_MEDIA_TYPE)
    if location:
        response["Location"] = location
    return response


def searchset(resources: list[dict]) -> dict:
    return validate_resource(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
        }
    )


@router.get(
    "/Questionnaire",
    auth=auth("fhir:read"),
    openapi_extra=_doc({200: "A searchset Bundle of Questionnaires"}),
)
def search_questionnaires(
    request: AuthenticatedRequest, name: str | None = Query(None, max_length=200)
):
    """Search the instrument library by Questionnaire name or instrument id (starts with, any case)."""
    found = []
    for instrument in load_library().values():
        resource = questionnaire(instrument)
        wanted = (name or "").strip().lower()
        if not wanted or any(
            str(value).lower().startswith(wanted) for value in (resource["name"], instrument.id)
        ):
            found.append(resource)
    return fhir_response(searchset(found))


@router.get(
    "/Questionnaire/{questionnaire_id}",
    auth=auth("fhir:read"),
    openapi_extra=_doc({200: "The instrument as a Questionnaire"}),
)
def read_questionnaire(request: AuthenticatedRequest, questionnaire_id: str):
    """Read one instrument as a FHIR R4 Questionnaire."""
    library = load_library()
    if questionnaire_id not in library:
        raise ApiError(404, f"No Questionnaire {questionnaire_id[:80]!r}.")
    return fhir_response(questionnaire(library[questionnaire_id]))


def _session_of(user: User, reference: str | None, index: int):
    target = (reference or "").removeprefix("Encounter/")
    try:
        session_id = uuid.UUID(target)
    except ValueError:
        raise ApiError(
            422,
            f"response {index}: encounter must be Encounter/<Alliance session id>, "
            f"not {str(reference)[:80]!r}.",
            "QuestionnaireResponse.encounter",
        ) from None
    # Only the treating practitioner stores answers; everyone else gets 404 as on the web.
    return session_for_user(user, session_id, write=True)


@router.post(
    "/QuestionnaireResponse",
    auth=auth("fhir:write"),
    openapi_extra=_doc(
        {201: "The stored response, as a QuestionnaireResponse"}, body=True, idempotent_key=True
    ),
)
def create_questionnaire_response(request: AuthenticatedRequest):
    """Store a scored response from a QuestionnaireResponse whose encounter is an Alliance session."""
    content_type = request.content_type or ""
    if content_type not in (FHIR_MEDIA_TYPE, "application/json"):
        raise ApiError(415, f"Send the resource as {FHIR_MEDIA_TYPE}, not {content_type!r}.")
    try:
        data = safejson.loads(request.body or b"")
    except safejson.JsonInputError as exc:
        raise ApiError(400, f"Malformed JSON in the request body: {exc}.") from None
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise ApiError(422, "The body must be one QuestionnaireResponse resource.", "resourceType")
    try:
        parsed = parse_questionnaire_responses(data)
    except FhirError as exc:
        raise ApiError(422, str(exc), "QuestionnaireResponse") from None
    item = parsed[0]
    session = _session_of(request.user, item.encounter, 1)
    try:
        check_for_session(item, session, "QuestionnaireResponse")
    except FhirError as exc:
        raise ApiError(422, str(exc), "QuestionnaireResponse") from None

    def create():
        with transaction.atomic():
            if session.responses.filter(instrument_id=item.instrument, rater=Rater.CLIENT).exists():
                raise ApiError(
                    409,
                    f"Session {session.number} already has a client response to {item.instrument}.",
                    "QuestionnaireResponse.questionnaire",
                )
            try:
                recorded = record_responses(
                    request.user,
                    [
                        Administration.for_session(
                            session, item.instrument, item.values, submitted_at=item.authored
                        )
                    ],
                    source=Source.FHIR,
                    organisation=session.organisation,
                    summary=f"FHIR QuestionnaireResponse {item.instrument} for session "
                    f"{session.number} (API)",
                )
            except ValidationError as exc:
                raise ApiError(422, "; ".join(exc.messages), "QuestionnaireResponse.item") from None
        stored = recorded.responses[0]
        stored = MeasureResponse.objects.select_related("session__episode__client").get(
            pk=stored.pk
        )
        location = request.build_absolute_uri(
            f"/api/v1/fhir/QuestionnaireResponse/{stored.public_id}"
        )
        return fhir_response(response_to_fhir(stored), 201, location)

    return idempotent(request, create)


@router.get(
    "/QuestionnaireResponse/{response_id}",
    auth=auth("fhir:read"),
    openapi_extra=_doc({200: "One stored response"}),
)
def read_questionnaire_response(request: AuthenticatedRequest, response_id: str):
    """Read one stored response as a QuestionnaireResponse."""
    try:
        public_id = uuid.UUID(response_id)
    except ValueError:
        raise ApiError(404, "No such QuestionnaireResponse.") from None
    return fhir_response(response_to_fhir(response_for_user(request.user, public_id)))


def _uuid_param(value: str | None, name: str):
    if value is None:
        return None
    text = value.rsplit("/", 1)[-1]
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ApiError(422, f"{name} must be an Alliance id, not {value[:80]!r}.", name) from None


@router.get(
    "/QuestionnaireResponse",
    auth=auth("fhir:read"),
    openapi_extra=_doc({200: "A searchset Bundle of QuestionnaireResponses"}),
)
def search_questionnaire_responses(
    request: AuthenticatedRequest,
    patient: str | None = Query(None, max_length=200, description="Client id (Patient/<id>)."),
    episode: str | None = Query(None, max_length=200, description="Episode id."),
    encounter: str | None = Query(None, max_length=200, description="Session id (Encounter/<id>)."),
    count: int = Query(100, alias="_count", ge=1, le=500),
):
    """Search stored responses you may see by client, episode or session."""
    queryset = MeasureResponse.objects.filter(
        session__episode__client__in=clients_for_user(request.user)
    ).select_related("session__episode__client")
    for value, name, field in (
        (patient, "patient", "session__episode__client__public_id"),
        (episode, "episode", "session__episode__public_id"),
        (encounter, "encounter", "session__public_id"),
    ):
        parsed = _uuid_param(value, name)
        if parsed is not None:
            queryset = queryset.filter(**{field: parsed})
    rows = queryset.order_by("submitted_at", "public_id")[:count]
    return fhir_response(searchset([response_to_fhir(r) for r in rows]))
