"""Stored XSS: a script payload in every free-text field never reaches a page unescaped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alliance.web.audit.log import record
from tests.hostile.poison import PAYLOAD, poison_everything, unsafe_fragments
from tests.web.test_url_matrix import discover, targets


@pytest.fixture
def poisoned(world):
    for kind in ("own", "colleague", "foreign"):
        targets(world, kind)  # the areas create their records (goals, notes, journal, pages …)
    touched = poison_everything()
    # The audit log is append-only: a new entry carries the payload instead.
    record(world.owner, "update", world.client, summary=PAYLOAD, organisation=world.org)
    return world, touched


def test_the_payload_reaches_the_records_the_pages_show(poisoned):
    _world, touched = poisoned
    for label in (
        "practice.Client",
        "practice.Episode",
        "practice.Session",
        "accounts.Organisation",
        "accounts.User",
    ):
        assert label in touched, f"{label} was not poisoned: {sorted(touched)}"


@pytest.mark.parametrize("persona", ["owner", "supervisor", "admin"])
def test_no_page_renders_the_payload_unescaped(poisoned, login, persona):
    world, _touched = poisoned
    client = login(world.personas()[persona])
    problems = []
    seen_payload = 0
    for _route, name, args in discover():
        if name == "logout":
            continue
        for kind in ["own", "colleague"] if args else [None]:
            kwargs = {}
            if args:
                available = targets(world, kind)
                kwargs = {a: available[a] for a in args}
            url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{url}: HTTP {response.status_code}")
                continue
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            body = response.content.decode("utf-8", "replace")
            if "alert(1)" in body:
                seen_payload += 1
            problems += [f"{url}: …{fragment}…" for fragment in unsafe_fragments(body)]
    assert not problems, "\n".join(problems)
    assert seen_payload, "no page showed the (escaped) payload at all: the test proves nothing"


def test_the_check_page_and_public_pages_escape_the_practice_name(poisoned, client):
    world, _touched = poisoned
    token = world.extras["own"]["token"]
    body = client.get(reverse("client_check", kwargs={"token": token})).content.decode()
    assert "alert(1)" in body  # the organisation's name is on the page, escaped
    assert not unsafe_fragments(body)
    assert PAYLOAD not in body


def test_the_scanner_sees_an_unescaped_payload_and_passes_an_escaped_one():
    from django.utils.html import escape

    assert len(unsafe_fragments(f"<p>{PAYLOAD}</p>")) == 3
    assert unsafe_fragments(f'<p title="{escape(PAYLOAD)}">{escape(PAYLOAD)}</p>') == []
