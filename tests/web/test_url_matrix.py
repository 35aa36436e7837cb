"""Every URL of the application, requested as every persona: nobody sees what is not theirs.

URLs are discovered from the URL configuration, so a new view is covered automatically;
a view whose URL takes an argument this test does not know fails here until it is added.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages any logged-in member of staff may open; the rest are listed by role below.
PUBLIC = {"login", "healthz", "readyz", "favicon"}
ADMIN_ONLY = {"audit_log"}
PRACTITIONER_ONLY = {"client_new"}
CASELOAD = {"caseload", "client_list"}
WRITE = {
    "episode_new",
    "episode_phase",
    "episode_end",
    "session_new",
    "session_edit",
    "check",
    "session_rate",
    "episode_plan",
}
READ = {"client", "session", "response_fhir"}
# Actions that only accept POST: GET answers 405 to anyone logged in, whatever the record.
POST_ONLY = {
    "check_create",
    "check_revoke",
    "check_email",
    "check_tablet",
    "plan_item_remove",
    "response_acknowledge",
}
# The client's check: the link's token is the credential; no account is involved.
TOKEN = {"client_check", "client_check_thanks"}
NO_ARGS_ALL = {"home", "logout"}

# The JSON API: a bearer token is the credential; a web session alone gets 401 (405 on a
# POST-only URL, 404 at the bare /api/v1/ root). The API's own permission matrix is tests/api/test_matrix.py.
API_TOKEN: set[str] = set()
RESEARCHER_ONLY: set[str] = set()
ADMIN_AND_SUPERVISOR: set[str] = set()
ADMIN_AND_PRACTITIONER: set[str] = set()


def _area_matrices():
    """Each area's tests may add a `matrix.py` with CLASSES and url_arguments(world, kind)."""
    import importlib
    from pathlib import Path

    modules = []
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/matrix.py")):
        modules.append(importlib.import_module(f"tests.{path.parent.name}.matrix"))
    return modules


AREAS = _area_matrices()
_CATEGORY_SETS = {
    "public": PUBLIC,
    "admin_only": ADMIN_ONLY,
    "practitioner_only": PRACTITIONER_ONLY,
    "caseload": CASELOAD,
    "write": WRITE,
    "read": READ,
    "post_only": POST_ONLY,
    "token": TOKEN,
    "no_args_all": NO_ARGS_ALL,
    "api_token": API_TOKEN,
    "researcher_only": RESEARCHER_ONLY,
    "admin_and_supervisor": ADMIN_AND_SUPERVISOR,
    "admin_and_practitioner": ADMIN_AND_PRACTITIONER,
}
for _area in AREAS:
    for _category, _names in _area.CLASSES.items():
        _CATEGORY_SETS[_category].update(_names)

SECRETS = {
    "own": ["owner-note-secret", "owner-referral-secret", "Owner Clientname"],
    "colleague": ["colleague-note-secret", "colleague-referral-secret", "Colleague Clientname"],
    "foreign": [
        "foreign-note-secret",
        "foreign-referral-secret",
        "Foreign Clientname",
        "FOREIGN-1",
    ],
}


def discover(patterns=None, prefix="", namespace=""):
    """Yield (route, name, argument names) for every non-admin URL pattern."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue
            ns = entry.namespace or namespace
            yield from discover(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name if not namespace else f"{namespace}:{entry.name}"
            yield prefix + str(entry.pattern), name, sorted(entry.pattern.converters)


def targets(world, kind):
    """Return the URL arguments of the own, colleague's or foreign record."""
    client, episode, session = {
        "own": (world.client, world.episode, world.session),
        "colleague": (world.colleague_client, world.colleague_episode, world.colleague_session),
        "foreign": (world.foreign_client, world.foreign_episode, world.foreign_session),
    }[kind]
    extras = world.extras[kind]
    area_arguments = {}
    for area in AREAS:
        if hasattr(area, "url_arguments"):
            area_arguments.update(area.url_arguments(world, kind))
    return {
        **area_arguments,
        "client_id": client.public_id,
        "episode_id": episode.public_id,
        "session_id": session.public_id,
        "check_id": extras["check"].public_id,
        "response_id": extras["response"].public_id,
        "item_id": extras["plan_item"].public_id,
        "token": extras["token"],
    }


# Which records each persona may read and write.
MAY_READ = {
    "owner": {"own"},
    "colleague": {"colleague"},
    "supervisor": {"own"},
    "admin": {"own", "colleague"},
    "researcher": set(),
    "outsider": {"foreign"},
    "anonymous": set(),
}
MAY_WRITE = {"owner": {"own"}, "colleague": {"colleague"}, "outsider": {"foreign"}}
# Clinical free text: practitioner and their supervisor, never the admin.
MAY_READ_TEXT = {
    "owner": {"own"},
    "colleague": {"colleague"},
    "supervisor": {"own"},
    "outsider": {"foreign"},
}


def expected_status(name, persona, kind):
    if name in PUBLIC:
        return {200, 302}
    if name in TOKEN:
        return {200, 302, 404}
    if name in API_TOKEN:
        return {401, 404, 405}
    if persona == "anonymous":
        return {302}
    if name in NO_ARGS_ALL:
        return {200, 302}
    if name in ADMIN_ONLY:
        return {200} if persona == "admin" else {404}
    if name in RESEARCHER_ONLY:
        return {200} if persona == "researcher" else {404}
    if name in ADMIN_AND_SUPERVISOR:
        return {200} if persona in {"admin", "supervisor"} else {404}
    if name in ADMIN_AND_PRACTITIONER:
        return {200} if persona in {"admin", "owner", "colleague", "outsider"} else {404}
    if name in PRACTITIONER_ONLY:
        return {200} if persona in {"owner", "colleague", "outsider"} else {404}
    if name in CASELOAD:
        return {404} if persona == "researcher" else {200}
    if name in WRITE:
        return {200} if kind in MAY_WRITE.get(persona, set()) else {404}
    if name in POST_ONLY:
        return {405}
    if name in READ:
        return {200} if kind in MAY_READ[persona] else {404}
    raise AssertionError(f"URL {name!r} is not classified in the permission matrix")


def test_every_url_is_classified():
    names = {name for _route, name, _args in discover()}
    known = set().union(*_CATEGORY_SETS.values())
    assert names <= known, f"unclassified URLs: {sorted(names - known)}"


@pytest.mark.parametrize(
    "persona", ["owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous"]
)
def test_permission_matrix(world, login, persona):
    from django.urls import reverse

    client = login(world.personas()[persona])
    checked = 0
    for _route, name, args in discover():
        if name == "logout":
            continue  # logging out in the middle would change the persona
        kinds = ["own", "colleague", "foreign"] if args else [None]
        for kind in kinds:
            kwargs = {}
            if args:
                available = targets(world, kind)
                unknown = [a for a in args if a not in available]
                assert not unknown, f"{name}: teach the matrix the URL argument(s) {unknown}"
                kwargs = {a: available[a] for a in args}
            url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            allowed = expected_status(name, persona, kind)
            assert response.status_code in allowed, (
                f"{persona} GET {url} ({name}, {kind}) gave {response.status_code}, expected {allowed}"
            )
            if response.status_code == 200:
                body = response.content.decode()
                visible_text = MAY_READ_TEXT.get(persona, set())
                for secret_kind, secrets in SECRETS.items():
                    if secret_kind in visible_text:
                        continue
                    for secret in secrets:
                        assert secret not in body, f"{persona} saw {secret!r} on {url}"
                codes = {
                    "own": world.client.code,
                    "colleague": world.colleague_client.code,
                    "foreign": world.foreign_client.code,
                }
                for code_kind, code in codes.items():
                    if code_kind not in MAY_READ[persona]:
                        assert code not in body, f"{persona} saw client {code} on {url}"
            # A write attempt by someone without access changes nothing and leaks nothing.
            if name in WRITE and response.status_code == 404:
                post = client.post(url, {})
                assert post.status_code == 404
            if (
                name in POST_ONLY
                and persona != "anonymous"
                and kind not in MAY_WRITE.get(persona, set())
            ):
                post = client.post(url, {})
                assert post.status_code == 404, f"{persona} POST {url} gave {post.status_code}"
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize(
    "persona", ["owner", "supervisor", "researcher", "admin", "outsider", "anonymous"]
)
def test_django_admin_is_for_clinic_admins_only(world, login, persona):
    client = login(world.personas()[persona])
    response = client.get("/admin/")
    if persona == "admin":
        assert response.status_code == 200
        users = client.get("/admin/accounts/user/")
        assert users.status_code == 200
        assert world.outsider.username not in users.content.decode()
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
