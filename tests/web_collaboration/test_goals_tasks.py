"""Goals and tasks through their life-cycle, through the practitioner's pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.models import AuditEntry
from alliance.web.collaboration import actions
from alliance.web.collaboration.models import Goal, GoalRating, SharedDecision, Task
from alliance.web.practice.actions import end_episode
from tests.web_collaboration.helpers import goal, sessions

GOAL_POST = {
    "title": "Feel at ease when I visit my parents",
    "level_plus_2": "Visit and enjoy it",
    "level_plus_1": "Visit and stay calm most of the time",
    "level_0": "Visit once a month and leave calmly",
    "level_minus_1": "Visit but leave early upset",
    "level_minus_2": "Avoid visiting",
    "weight": "3",
    "alliance_goal_link": "on",
    "proposed_by": "client",
    "status": "agreed",
}


def test_goal_written_edited_rated_and_achieved(world, login):
    client = login(world.owner)
    episode = world.episode
    response = client.post(reverse("goal_new", kwargs={"episode_id": episode.public_id}), GOAL_POST)
    assert response.status_code == 302
    g = Goal.objects.get(episode=episode)
    assert g.title == GOAL_POST["title"] and g.weight == 3 and g.alliance_goal_link
    assert g.level_text(-2) == "Avoid visiting"
    assert AuditEntry.objects.filter(object_type="goal", action="create").exists()

    edited = {**GOAL_POST, "weight": "2", "title": "Feel at ease with my parents"}
    client.post(reverse("goal_edit", kwargs={"goal_id": g.public_id}), edited)
    g.refresh_from_db()
    assert g.weight == 2 and g.title == "Feel at ease with my parents"

    (s1,) = sessions(episode, 1)
    rate_url = reverse("goal_rate", kwargs={"episode_id": episode.public_id})
    assert client.get(rate_url).status_code == 200
    response = client.post(
        rate_url,
        {"session": str(s1.public_id), "rated_by": "practitioner", f"goal-{g.public_id}": "-1"},
    )
    assert response.status_code == 302
    client.post(
        rate_url,
        {"session": str(s1.public_id), "rated_by": "client", f"goal-{g.public_id}": "0"},
    )
    assert list(GoalRating.objects.filter(goal=g).values_list("level", "rated_by")) == [
        (-1, "practitioner"),
        (0, "client"),
    ]
    client.post(
        reverse("goal_edit", kwargs={"goal_id": g.public_id}), {**edited, "status": "achieved"}
    )
    g.refresh_from_db()
    assert g.status == "achieved"
    assert GoalRating.objects.filter(goal=g).count() == 2  # history kept


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight", "0", "1 to 10"),
        ("weight", "11", "1 to 10"),
        ("title", " a ", "few words"),
        ("level_0", "", "required"),
    ],
)
def test_goal_form_rejects_bad_input_at_the_field(world, login, field, value, message):
    client = login(world.owner)
    url = reverse("goal_new", kwargs={"episode_id": world.episode.public_id})
    response = client.post(url, {**GOAL_POST, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Goal.objects.exists()


def test_rating_needs_a_goal_and_a_valid_level(world, login):
    g = goal(world.episode)
    client = login(world.owner)
    url = reverse("goal_rate", kwargs={"episode_id": world.episode.public_id})
    response = client.post(url, {"rated_by": "practitioner"})
    assert "Rate at least one goal" in response.content.decode()
    response = client.post(url, {"rated_by": "practitioner", f"goal-{g.public_id}": "3"})
    assert response.status_code == 200 and not GoalRating.objects.exists()
    with pytest.raises(ValidationError):
        actions.rate_goals(world.owner, world.episode, {g: 5})


def test_task_agreed_ticked_reopened_and_dropped(world, login):
    client = login(world.owner)
    episode = world.episode
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(
        reverse("task_new", kwargs={"episode_id": episode.public_id}),
        {"what": "Walk for 10 minutes after lunch", "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    task = Task.objects.get(episode=episode)
    assert (task.status, task.due_on) == ("open", due)
    url = reverse("task_status", kwargs={"task_id": task.public_id})
    client.post(url, {"status": "done"})
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None and task.ticked_by == "practitioner"
    client.post(url, {"status": "open"})
    task.refresh_from_db()
    assert task.status == "open" and task.done_at is None and task.ticked_by == ""
    client.post(url, {"status": "dropped"})
    task.refresh_from_db()
    assert task.status == "dropped"
    assert client.post(url, {"status": "bogus"}).status_code == 404


def test_task_due_date_in_the_past_is_refused(world, login):
    client = login(world.owner)
    response = client.post(
        reverse("task_new", kwargs={"episode_id": world.episode.public_id}),
        {"what": "Something", "due_on": "2000-01-01"},
    )
    assert "in the past" in response.content.decode()
    assert not Task.objects.exists()


def test_shared_decision_logged_with_who_and_when(world, login):
    client = login(world.owner)
    today = timezone.localdate()
    client.post(
        reverse("decision_new", kwargs={"episode_id": world.episode.public_id}),
        {
            "decision": "Meet fortnightly from May",
            "agreed_by": "client and me",
            "decided_on": today,
        },
    )
    decision = SharedDecision.objects.get()
    assert (decision.agreed_by, decision.decided_on, decision.recorded_by) == (
        "client and me",
        today,
        world.owner,
    )
    page = client.get(reverse("client", kwargs={"client_id": world.client.public_id}))
    assert "Meet fortnightly from May" in page.content.decode()


def test_ended_episode_takes_no_new_goal_or_task(world):
    episode = world.episode
    end_episode(world.owner, episode, ended_on=timezone.localdate(), ending_type="planned")
    with pytest.raises(ValidationError):
        goal(episode)
    with pytest.raises(ValidationError):
        actions.add_task(world.owner, episode, what="x")


def test_supervisor_reads_goals_admin_sees_only_that_they_exist(world, login):
    goal(world.episode, title="Visible goal words")
    actions.add_task(world.owner, world.episode, what="Visible task words")
    url = reverse("client", kwargs={"client_id": world.client.public_id})
    body = login(world.supervisor).get(url).content.decode()
    assert "Visible goal words" in body and "Visible task words" in body
    assert reverse("goal_new", kwargs={"episode_id": world.episode.public_id}) not in body
    body = login(world.admin).get(url).content.decode()
    assert "Visible goal words" not in body and "Visible task words" not in body


def test_demo_collaboration_fills_goals_ratings_tasks_and_a_note(world):
    from alliance.web.collaboration.client_panel import episode_collaboration
    from alliance.web.collaboration.demo import load_demo_collaboration

    sessions(world.episode, 4)
    counts = load_demo_collaboration(world.org, max_episodes=1)
    assert counts == {"goals": 2, "ratings": 8, "tasks": 2, "decisions": 1, "notes": 1}
    item = episode_collaboration([world.episode])[0]
    # Weights (2, 1), Σw² = 5, (Σw)² = 9: −5/√6.2 → 29.9, −3 → 38.0, 0 → 50, +2 → 58.0.
    assert [p.t_score for p in item.gas] == [29.9, 38.0, 50.0, 58.0]
