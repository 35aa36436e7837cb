"""The API's URLs in the web permission matrix (tests/web/test_url_matrix.py).

Every ninja operation is discovered from the API itself, so a new endpoint is classified
automatically: requested with a web session (no token) it answers 401.
"""

from __future__ import annotations


def _api_names() -> set[str]:
    from alliance.web.api.api import api

    names = {"api-v1:api-root"}
    for _router_prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                names.add(f"api-v1:{operation.view_func.__name__}")
    return names


CLASSES = {
    # The schema and its browsable docs are public, like the login page.
    "public": {"api-v1:openapi-json", "api-v1:openapi-view"},
    "api_token": _api_names(),
    # Anyone on the staff manages their own tokens; admins see the organisation's.
    "no_args_all": {"api_tokens"},
}


def url_arguments(world, kind) -> dict:
    """Return an instrument id for the FHIR Questionnaire URL."""
    cache = world.extras.setdefault("api", {})
    if kind not in cache:
        cache[kind] = {"questionnaire_id": "phq9"}
    return cache[kind]
