"""The NinjaAPI of /api/v1/: its OpenAPI schema, browsable docs and error handlers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from alliance.interop import safejson
from alliance.web.api import errors
from alliance.web.api.routes import alerts, fhir, goals, measures, practice

OPERATION_OUTCOME = {
    "type": "object",
    "description": "A FHIR R4 OperationOutcome: what went wrong and where.",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


class ObjectBodyParser(Parser):
    """Read a request body as one JSON object, with a nesting limit; anything else is refused.

    django-ninja turns a parser's exception into a 400; `errors` names the reason.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = safejson.loads(request.body)
        if not isinstance(data, dict):
            raise errors.NotAnObject(type(data).__name__ if data is not None else "null")
        return data


class AllianceApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["OperationOutcome"] = (
            OPERATION_OUTCOME
        )
        return schema


api = AllianceApi(
    title="Alliance API",
    version="1",
    description=(
        "The working alliance, made visible: clients, episodes, sessions, checks, scored "
        "responses, alerts, goals and FHIR R4. Authenticate with 'Authorization: Bearer "
        '<token>\' (create one at /api/tokens/). Errors: {"errors": [{"field", "message"}]}; '
        "FHIR errors are OperationOutcome resources."
    ),
    urls_namespace="api-v1",
    parser=ObjectBodyParser(),
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


api.add_router("", practice.router)
api.add_router("", measures.router)
api.add_router("", alerts.router)
api.add_router("", goals.router)
api.add_router("/fhir", fhir.router)
