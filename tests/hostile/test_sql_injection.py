"""SQL-injection strings in every filter and search parameter: never a 5xx, nothing changed."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from tests.web.test_url_matrix import discover, targets

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE practice_client; --",
    '" OR 1=1 --',
    "1' UNION SELECT username, password FROM accounts_user --",
    "%' AND 1=(SELECT COUNT(*) FROM sqlite_master) --",
    "2024-01-01'); DELETE FROM measures_measureresponse; --",
    "\x00",
    "9" * 40,
]
# Every GET parameter read in src/alliance/web (grep request.GET), plus common filter names.
PARAMETERS = [
    "tag", "date_from", "date_to", "session", "code", "actor", "action", "object_type", "since",
    "until", "page", "next", "q", "search", "status", "sort", "order", "kind", "phase", "risk",
]  # fmt: skip


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("alliance.web.")
    }


@pytest.mark.parametrize("persona", ["owner", "supervisor", "admin"])
def test_injection_strings_in_query_parameters(world, login, persona):
    for kind in ("own", "colleague"):
        targets(world, kind)
    client = login(world.personas()[persona])
    client.raise_request_exception = False  # a crash is a finding to list, not a stop
    before = _counts()
    problems = []
    n = 0
    for _route, name, args in discover():
        if name == "logout" or name.startswith("api") or "/api/" in _route:
            continue
        kwargs = {}
        if args:
            available = targets(world, "own")
            kwargs = {a: available[a] for a in args}
        url = reverse(name, kwargs=kwargs)
        injection = INJECTIONS[n % len(INJECTIONS)]
        n += 1
        response = client.get(url, {p: injection for p in PARAMETERS})
        if response.status_code >= 500:
            problems.append(f"{url} with {injection!r}: HTTP {response.status_code}")
    # The pages with real filters get every string in every parameter.
    for name in ("journal", "audit_log", "data_requests", "webhook_deliveries"):
        try:
            url = reverse(name)
        except Exception:  # noqa: BLE001, S112 — an area may not have the page
            continue
        for injection in INJECTIONS:
            response = client.get(url, {p: injection for p in PARAMETERS})
            if response.status_code >= 500:
                problems.append(f"{url} with {injection!r}: HTTP {response.status_code}")
    assert not problems, "\n".join(problems)
    after = _counts()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    # Reading pages may log access (audit, session activity) but never removes anything.
    assert all(b <= a for b, a in changed.values()), changed
    allowed = {"audit.AuditEntry", "security.SessionActivity", "security.LoginEvent"}
    assert set(changed) <= allowed, f"GET requests changed {changed}"
