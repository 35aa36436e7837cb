"""The caseload and client pages run a fixed number of queries, whatever the caseload size."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.web.accounts.models import Role
from tests.factories import make_client, make_episode, make_organisation, make_session, make_user


def build_caseload(n_clients: int):
    org = make_organisation()
    practitioner = make_user(org, Role.PRACTITIONER)
    last = None
    for _ in range(n_clients):
        client = make_client(practitioner)
        episode = make_episode(client)
        make_session(episode, days_after_start=1)
        make_session(episode, days_after_start=8)
        last = client
    return practitioner, last


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_caseload_and_client_page_queries_do_not_grow(db, client):
    small_user, small_client = build_caseload(5)
    large_user, large_client = build_caseload(200)
    client.force_login(small_user)
    small = {
        "caseload": count_queries(client, reverse("caseload")),
        "clients": count_queries(client, reverse("client_list")),
        "client": count_queries(
            client, reverse("client", kwargs={"client_id": small_client.public_id})
        ),
    }
    client.force_login(large_user)
    large = {
        "caseload": count_queries(client, reverse("caseload")),
        "clients": count_queries(client, reverse("client_list")),
        "client": count_queries(
            client, reverse("client", kwargs={"client_id": large_client.public_id})
        ),
    }
    assert small == large
    assert large["caseload"] <= 6
