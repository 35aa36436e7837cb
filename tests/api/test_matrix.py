"""Every API operation, discovered from the OpenAPI schema, × every persona × own/colleague/foreign.

Expectations are the web matrix's (tests/web/test_url_matrix.py MAY_READ/MAY_WRITE); an
operation this test does not know fails until it is classified here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.web.test_url_matrix import MAY_READ, MAY_READ_TEXT, MAY_WRITE, SECRETS

PRACTITIONERS = {"owner", "colleague", "outsider"}
# operationId → how access is decided.
CLASSES = {
    "list": {
        "list_clients",
        "list_episodes",
        "list_sessions",
        "list_responses",
        "list_alerts",
        "search_questionnaires",
        "search_questionnaire_responses",
    },
    "library": {"read_questionnaire"},
    "practitioner_create": {"create_client"},
    "read": {
        "get_client",
        "get_episode",
        "get_session",
        "get_response",
        "list_goals",
        "get_goal",
        "read_questionnaire_response",
    },
    # Alerts follow the caseload: admins manage people, not therapy, and see none.
    "alert_read": {"get_alert"},
    # The check's link is a credential: only who may write reads it, as on the web.
    "write": {
        "get_check",
        "export_client",
        "start_episode",
        "move_phase",
        "record_session",
        "create_check",
        "acknowledge_alert",
        "resolve_alert",
        "create_goal",
        "create_questionnaire_response",
    },
}
MAY_READ_ALERTS = {k: v for k, v in MAY_READ.items() if k != "admin"} | {"admin": set()}


def operations():
    from alliance.web.api.api import api

    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation["operationId"]


def category(operation_id: str) -> str:
    for name, members in CLASSES.items():
        if operation_id in members:
            return name
    raise AssertionError(f"API operation {operation_id!r} is not classified in tests/api")


def test_every_operation_is_classified():
    for _method, _path, operation_id in operations():
        category(operation_id)


def arguments(world, kind) -> dict:
    from tests.web_collaboration.matrix import url_arguments as goal_args
    from tests.web_insights.matrix import url_arguments as alert_args

    client, episode, session = {
        "own": (world.client, world.episode, world.session),
        "colleague": (world.colleague_client, world.colleague_episode, world.colleague_session),
        "foreign": (world.foreign_client, world.foreign_episode, world.foreign_session),
    }[kind]
    extras = world.extras[kind]
    return {
        "client_id": client.public_id,
        "episode_id": episode.public_id,
        "session_id": session.public_id,
        "check_id": extras["check"].public_id,
        "response_id": extras["response"].public_id,
        "alert_id": alert_args(world, kind)["alert_id"],
        "goal_id": goal_args(world, kind)["goal_id"],
        "questionnaire_id": "phq9",
        "_session": session,
    }


def body_for(operation_id: str, args: dict):
    today = timezone.localdate()
    if operation_id == "create_questionnaire_response":
        from alliance.interop.fhir import questionnaire_response

        return questionnaire_response(
            "gad7",
            {str(i): 1 for i in range(1, 8)},
            encounter=f"Encounter/{args['_session'].public_id}",
        )
    return {
        "create_client": {"name": "Matrix Person"},
        "start_episode": {"service": "therapy", "started_on": str(today - dt.timedelta(days=5))},
        "move_phase": {"to_phase": "assessment", "changed_on": str(today)},
        "record_session": {"starts_at": timezone.now().isoformat()},
        "create_goal": {"title": "A goal"},
        "resolve_alert": {"note": "Talked about it."},
    }.get(operation_id, {})


def expected(cat: str, persona: str, kind: str | None) -> set[int]:
    if persona == "anonymous":
        return {401}
    if cat in {"list", "library"}:
        return {200}
    if cat == "practitioner_create":
        return {201} if persona in PRACTITIONERS else {404}
    if cat == "read":
        return {200} if kind in MAY_READ[persona] else {404}
    if cat == "alert_read":
        return {200} if kind in MAY_READ_ALERTS[persona] else {404}
    if cat == "write":
        # Allowed writes may still be refused on their merits (e.g. phase already moved).
        return {200, 201, 409, 422} if kind in MAY_WRITE.get(persona, set()) else {404}
    raise AssertionError(cat)


@pytest.mark.parametrize(
    "persona", ["owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous"]
)
def test_api_permission_matrix(world, api_for, persona):
    api = api_for(world.personas()[persona])
    checked = 0
    for method, path, operation_id in operations():
        cat = category(operation_id)
        placeholders = re.findall(r"{(\w+)}", path)
        kinds = ["own", "colleague", "foreign"] if placeholders or cat == "write" else [None]
        for kind in kinds:
            args = arguments(world, kind) if kind else {}
            url = re.sub(r"{(\w+)}", lambda m, a=args: str(a[m.group(1)]), path)
            if method == "GET":
                response = api.get(url)
            else:
                content_type = "application/fhir+json" if "/fhir/" in path else "application/json"
                response = api.post(url, body_for(operation_id, args), content_type=content_type)
            allowed = expected(cat, persona, kind)
            assert response.status_code in allowed, (
                f"{persona} {method} {url} ({operation_id}, {kind}) gave "
                f"{response.status_code}, expected {allowed}: {response.content[:300]!r}"
            )
            if response.status_code == 200 and method == "GET":
                body = response.content.decode()
                for secret_kind, secrets in SECRETS.items():
                    if secret_kind in MAY_READ_TEXT.get(persona, set()):
                        continue
                    for secret in secrets:
                        assert secret not in body, f"{persona} saw {secret!r} on {url}"
            checked += 1
    assert checked >= 50


# operationId → the one scope it needs (the resource's, or the blanket verb).
SCOPE_OF = {
    "list_clients": "clients:read",
    "get_client": "clients:read",
    "create_client": "clients:write",
    "export_client": "clients:export",
    "list_episodes": "episodes:read",
    "get_episode": "episodes:read",
    "start_episode": "episodes:write",
    "move_phase": "episodes:write",
    "list_sessions": "sessions:read",
    "get_session": "sessions:read",
    "record_session": "sessions:write",
    "get_check": "checks:read",
    "create_check": "checks:write",
    "list_responses": "responses:read",
    "get_response": "responses:read",
    "list_alerts": "alerts:read",
    "get_alert": "alerts:read",
    "acknowledge_alert": "alerts:write",
    "resolve_alert": "alerts:write",
    "list_goals": "goals:read",
    "get_goal": "goals:read",
    "create_goal": "goals:write",
    "read_questionnaire": "fhir:read",
    "search_questionnaires": "fhir:read",
    "read_questionnaire_response": "fhir:read",
    "search_questionnaire_responses": "fhir:read",
    "create_questionnaire_response": "fhir:write",
}


def declared_scopes() -> dict[str, str]:
    """operationId → the scope its TokenAuth demands, read from the API itself."""
    from alliance.web.api.api import api
    from alliance.web.api.tokens import TokenAuth

    found = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                scopes = {a.scope for a in operation.auth_callbacks if isinstance(a, TokenAuth)}
                assert len(scopes) == 1, f"{operation.view_func.__name__}: scopes {scopes}"
                found[operation.view_func.__name__] = scopes.pop()
    return found


def test_every_operation_demands_the_scope_of_its_resource_and_verb():
    from alliance.web.api.models import SCOPES

    declared = declared_scopes()
    assert declared == SCOPE_OF
    assert set(SCOPE_OF.values()) <= set(SCOPES)
    for method, _path, operation_id in operations():
        verb = SCOPE_OF[operation_id].rsplit(":", 1)[1]
        reads = method == "GET"
        assert (verb in {"read", "export"}) == reads, f"{operation_id}: {method} needs {verb}"


def test_token_scope_matrix(world, api_for):
    """Every operation × every scope: a token without the scope gets 403, with it gets past."""
    from alliance.web.api.models import SCOPES, ApiToken

    tokens = {scope: api_for(world.owner, scopes=[scope]) for scope in SCOPES}
    args = arguments(world, "own")
    checked = 0
    links_seen = {True: 0, False: 0}
    for method, path, operation_id in operations():
        url = re.sub(r"{(\w+)}", lambda m: str(args[m.group(1)]), path)
        needed = SCOPE_OF[operation_id]
        for scope, api in tokens.items():
            if method == "GET":
                response = api.get(url)
            else:
                content_type = "application/fhir+json" if "/fhir/" in path else "application/json"
                response = api.post(url, body_for(operation_id, args), content_type=content_type)
            granted = ApiToken(scopes=[scope]).allows(needed)
            if granted:
                assert response.status_code not in {401, 403}, (scope, method, url)
                if operation_id in {"get_check", "create_check"} and response.status_code < 300:
                    # The client's link answers the check: only with checks:write.
                    link = response.json()["url"]
                    may_write = ApiToken(scopes=[scope]).allows("checks:write")
                    assert link is None or may_write, (scope, operation_id)
                    links_seen[may_write] += link is not None
            else:
                assert response.status_code == 403, (scope, method, url, response.status_code)
                body = response.json()
                message = (
                    body["issue"][0]["diagnostics"]  # FHIR answers with an OperationOutcome
                    if body.get("resourceType") == "OperationOutcome"
                    else body["errors"][0]["message"]
                )
                assert needed in message
            checked += 1
    assert checked == len(SCOPE_OF) * len(SCOPES)
    assert links_seen[True] > 0 and links_seen[False] == 0


def _admin_made_tokens(world):
    """Tokens an admin made acting as the owner: through the page's rules, and a legacy one
    that carries every scope (created before the rules) — both are held to SERVICE_SCOPES."""
    import datetime as dt

    from alliance.web.api.actions import create_token
    from alliance.web.api.models import SCOPES, SERVICE_SCOPES, ApiToken
    from alliance.web.api.tokens import hash_secret, new_secret
    from tests.api.conftest import Api

    _token, secret = create_token(
        world.admin, world.owner, scopes=list(SERVICE_SCOPES), days=5, kind="service"
    )
    prefix, legacy_secret = new_secret()
    ApiToken.objects.create(
        organisation=world.org,
        user=world.owner,
        created_by=world.admin,
        kind="service",
        prefix=prefix,
        secret_hash=hash_secret(legacy_secret),
        scopes=list(SCOPES),
        expires_at=timezone.now() + dt.timedelta(days=5),
    )
    return {"service": Api(secret), "legacy": Api(legacy_secret)}


@pytest.mark.parametrize("which", ["service", "legacy"])
def test_admin_made_tokens_in_the_permission_matrix(world, which):
    """Every operation × own/colleague/foreign records, with a token an admin created acting
    as the owner: only SERVICE_SCOPES pass, no clinical text and no check link in any answer,
    and no write of a clinical record."""
    from alliance.web.api.models import SERVICE_SCOPES

    api = _admin_made_tokens(world)[which]
    for method, path, operation_id in operations():
        cat = category(operation_id)
        placeholders = re.findall(r"{(\w+)}", path)
        kinds = ["own", "colleague", "foreign"] if placeholders or cat == "write" else [None]
        for kind in kinds:
            args = arguments(world, kind) if kind else {}
            url = re.sub(r"{(\w+)}", lambda m, a=args: str(a[m.group(1)]), path)
            if method == "GET":
                response = api.get(url)
            else:
                content_type = "application/fhir+json" if "/fhir/" in path else "application/json"
                response = api.post(url, body_for(operation_id, args), content_type=content_type)
            if SCOPE_OF[operation_id] not in SERVICE_SCOPES:
                assert response.status_code == 403, (which, method, url, response.status_code)
                continue
            assert method == "GET", f"{operation_id} writes with an admin's token"
            assert response.status_code in expected(cat, "owner", kind) | {404}, (url, cat)
            body = response.content.decode()
            for secrets in SECRETS.values():
                for secret in secrets:
                    assert secret not in body, f"admin's {which} token saw {secret!r} on {url}"
            assert "/c/" not in body, f"admin's {which} token got a check link on {url}"
