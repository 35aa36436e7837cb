"""After a client's check, monitoring runs in the task worker — or at once for a critical answer."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from alliance.web.insights.models import Alert
from alliance.web.measures import actions as measure_actions
from tests.factories import make_session
from tests.web_insights.helpers import rated_session
from tests.web_webhooks.conftest import run_queue
from tests.web_webhooks.test_deliveries import check_answers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def in_background(settings):
    settings.ALLIANCE_MONITOR_IN_BACKGROUND = True


def _answer_check(world, *, tension=None, critical=False):
    episode = world.episode
    for day in (2, 3, 4):
        rated_session(episode, day, 8)
    session = make_session(episode, days_after_start=5)
    check, _token = measure_actions.create_check(world.owner, session)
    answers = {
        i: check_answers(i, tension=tension if i == "alliance-check" else None)
        for i in check.instrument_ids
    }
    if critical:
        assert "phq9" in answers, "the default plan asks the PHQ-9 at this session"
        answers["phq9"]["9"] = 2
    # The set-up's ratings queued refreshes of their own (every answer takes one path).
    DBTaskResult.objects.all().delete()
    state, _responses = measure_actions.submit_check(check, answers)
    assert state == "stored"
    return episode


def test_a_reported_rupture_opens_its_alert_when_the_worker_runs(world, in_background):
    episode = _answer_check(world, tension=(4, 1))
    assert not Alert.objects.filter(episode=episode, type="rupture").exists()
    assert DBTaskResult.objects.filter(task_path__endswith="refresh_episode_alerts").count() == 1
    run_queue()
    assert Alert.objects.filter(episode=episode, type="rupture").exists()


def test_a_critical_answer_flags_at_once_without_the_worker(world, in_background):
    episode = _answer_check(world, critical=True)
    assert Alert.objects.filter(episode=episode, type="critical").exists()
    assert not DBTaskResult.objects.filter(task_path__endswith="refresh_episode_alerts").exists()


def test_the_task_of_an_erased_episode_does_nothing(db):
    from alliance.web.insights.tasks import refresh_episode_alerts

    refresh_episode_alerts.enqueue(10**9)  # no such episode: erased after the check
    run_queue()
    [result] = DBTaskResult.objects.filter(task_path__endswith="refresh_episode_alerts")
    assert result.status == "SUCCESSFUL"
