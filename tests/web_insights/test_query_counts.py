"""Inbox, caseload and client page run a fixed number of queries, with alerts present."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.web.accounts.models import Role
from alliance.web.insights.services import monitor_organisation
from tests.factories import make_client, make_episode, make_organisation, make_user
from tests.web_insights.helpers import rated_session

pytestmark = pytest.mark.django_db


def build(n_clients: int):
    org = make_organisation()
    practitioner = make_user(org, Role.PRACTITIONER)
    client = None
    for _ in range(n_clients):
        client = make_client(practitioner)
        episode = make_episode(client)
        for day, value in enumerate([8, 8, 8.25, 4]):
            rated_session(episode, day + 1, value, mine=7, phq=12)
        rated_session(episode, 6, 8, tension=(4, 1), mine=3, phq=14, item9=1)
    monitor_organisation(org)
    return practitioner, client


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_pages_with_alerts_do_not_grow(client):
    counts = []
    for n in (1, 4):
        practitioner, last = build(n)
        client.force_login(practitioner)
        counts.append(
            (
                count(client, reverse("inbox")),
                count(client, reverse("caseload")),
                count(client, reverse("client", kwargs={"client_id": last.public_id})),
            )
        )
    assert counts[0] == counts[1]
    assert counts[1][1] <= 6
