"""The client page reads goals, tasks, decisions and rituals only when some episode has them."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.web.collaboration.models import Goal, RitualChoice, SharedDecision, Task
from tests.factories import make_client, make_episode
from tests.web_collaboration.helpers import goal

TABLES = {model: model._meta.db_table for model in (Goal, Task, SharedDecision, RitualChoice)}


def _read(login, user, client) -> tuple[str, set]:
    with CaptureQueriesContext(connection) as queries:
        response = login(user).get(reverse("client", kwargs={"client_id": client.public_id}))
    assert response.status_code == 200
    # A query that reads a table (not an EXISTS in the episodes' query) starts FROM it.
    read = {
        model
        for model, table in TABLES.items()
        for q in queries.captured_queries
        if f'FROM "{table}"' in q["sql"].split("EXISTS")[0]
    }
    return response.content.decode(), read


def test_a_client_without_collaboration_records_costs_no_query_for_them(world, login):
    client = make_client(world.owner)
    make_episode(client)
    _body, read = _read(login, world.owner, client)
    assert read == set()


def test_an_episode_with_a_goal_reads_its_goals_only(world, login):
    client = make_client(world.owner)
    episode = make_episode(client)
    goal(episode, title="Walk to the shop")
    body, read = _read(login, world.owner, client)
    assert read == {Goal}
    assert "Walk to the shop" in body
