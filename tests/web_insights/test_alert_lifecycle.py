"""Alerts follow the engine's keys: created once, updated, snoozed, resolved, reopened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.web.accounts.models import Role
from alliance.web.audit.models import AuditEntry
from alliance.web.insights import actions
from alliance.web.insights.inbox import inbox_for_user
from alliance.web.insights.models import Alert, AlertState, ResolvedBy
from alliance.web.insights.services import monitor_organisation, refresh_episode
from alliance.web.measures.models import MeasureResponse
from tests.factories import make_client, make_episode, make_organisation, make_user
from tests.web_insights.helpers import rated_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice():
    org = make_organisation()
    practitioner = make_user(org, Role.PRACTITIONER)
    episode = make_episode(make_client(practitioner))
    return org, practitioner, episode


def ruptures(episode):
    return list(Alert.objects.filter(episode=episode, type="rupture").order_by("session_number"))


def test_a_rupture_is_one_alert_however_often_it_is_recomputed(practice):
    org, practitioner, episode = practice
    for day, value in enumerate([8, 8, 8.25]):
        rated_session(episode, day + 1, value)
    rated_session(episode, 5, 8, tension=(4, 1))
    first = refresh_episode(episode)
    assert first.created >= 1
    [alert] = ruptures(episode)
    assert alert.state == AlertState.OPEN
    assert alert.session_number == 4
    assert alert.evidence["bother"] == 4
    assert alert.key == f"rupture:{episode.public_id}:s4"
    refresh_episode(episode)
    monitor_organisation(org)
    refresh_episode(episode)
    assert len(ruptures(episode)) == 1
    assert (
        Alert.objects.filter(episode=episode).count()
        == Alert.objects.filter(episode=episode).values("key").distinct().count()
    )


def test_snooze_resolve_and_a_new_rupture(practice):
    org, practitioner, episode = practice
    for day, value in enumerate([8, 8, 8.25]):
        rated_session(episode, day + 1, value)
    rated_session(episode, 5, 8, tension=(4, 1))
    refresh_episode(episode)
    [alert] = ruptures(episode)

    until = timezone.now() + dt.timedelta(days=3)
    actions.snooze_alert(practitioner, alert, reason="client away this week", until=until)
    alert.refresh_from_db()
    assert alert.state == AlertState.SNOOZED
    assert alert.snooze_reason == "client away this week"
    refresh_episode(episode)
    alert.refresh_from_db()
    assert alert.state == AlertState.SNOOZED  # recomputation does not wake a running snooze
    assert alert.effective_state(until + dt.timedelta(seconds=1)) == AlertState.OPEN

    actions.resolve_alert(practitioner, alert, note="talked it through at the next session")
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED
    assert alert.resolved_by == ResolvedBy.PRACTITIONER
    assert alert.resolved_note == "talked it through at the next session"
    refresh_episode(episode)
    monitor_organisation(org)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED  # the same key never reopens it

    # A new rupture later in the episode is a new key: the client is back in the inbox.
    for day, value in enumerate([8.5, 8.5, 8.5]):
        rated_session(episode, 10 + day, value)
    rated_session(episode, 20, 8, tension=(5, 1))
    refresh_episode(episode)
    old, new = ruptures(episode)
    assert old.pk == alert.pk and old.state == AlertState.RESOLVED
    assert new.state == AlertState.OPEN and new.session_number == 8
    summaries = list(
        AuditEntry.objects.filter(object_id=alert.public_id).values_list("summary", flat=True)
    )
    assert any("snoozed" in s for s in summaries)
    assert any("resolved" in s for s in summaries)


def test_the_data_resolve_a_repaired_rupture_and_reopen_it_if_the_repair_goes(practice):
    org, practitioner, episode = practice
    for day, value in enumerate([8, 8, 8]):
        rated_session(episode, day + 1, value)
    rated_session(episode, 5, 4)  # a sharp drop
    refresh_episode(episode)
    [alert] = ruptures(episode)
    assert alert.state == AlertState.OPEN
    repair = rated_session(episode, 6, 8.5)
    refresh_episode(episode)
    alert.refresh_from_db()
    assert alert.signal_state == "repaired"
    assert alert.state == AlertState.RESOLVED
    assert alert.resolved_by == ResolvedBy.SIGNAL
    # The repairing answer is withdrawn (e.g. entered for the wrong client): the rupture is
    # open again, the same alert comes back and says so.
    MeasureResponse.objects.filter(session=repair).delete()
    refresh_episode(episode)
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN
    assert alert.reopened_count == 1
    assert len(ruptures(episode)) == 1


def test_critical_answers_are_never_snoozed_and_always_on_top(practice):
    org, practitioner, episode = practice
    rated_session(episode, 1, 8, mine=4)  # a disagreement
    rated_session(episode, 2, 8, phq=12, item9=1)
    refresh_episode(episode)
    critical = Alert.objects.get(episode=episode, type="critical")
    assert not critical.can_snooze
    with pytest.raises(ValidationError):
        actions.snooze_alert(
            practitioner, critical, reason="later", until=timezone.now() + dt.timedelta(days=1)
        )
    [group] = inbox_for_user(practitioner)
    assert group.shown[0].alert.pk == critical.pk
    assert len(group.shown) >= 2
    actions.acknowledge_alert(practitioner, critical)
    # Acknowledging the alert marks the critical answer itself as reviewed.
    assert not MeasureResponse.objects.filter(
        session__episode=episode, critical=True, critical_acknowledged_at__isnull=True
    ).exists()
    refresh_episode(episode)
    critical.refresh_from_db()
    assert critical.state == AlertState.ACKNOWLEDGED
    [group] = inbox_for_user(practitioner)
    assert group.shown[0].alert.pk == critical.pk


def test_actions_refuse_bad_input(practice):
    org, practitioner, episode = practice
    for day, value in enumerate([8, 8, 8.25]):
        rated_session(episode, day + 1, value)
    rated_session(episode, 5, 8, tension=(4, 1))
    refresh_episode(episode)
    [alert] = ruptures(episode)
    with pytest.raises(ValidationError):
        actions.snooze_alert(
            practitioner, alert, reason="", until=timezone.now() + dt.timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        actions.snooze_alert(
            practitioner, alert, reason="x", until=timezone.now() - dt.timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        actions.snooze_alert(
            practitioner, alert, reason="x", until=timezone.now() + dt.timedelta(days=60)
        )
    with pytest.raises(ValidationError):
        actions.resolve_alert(practitioner, alert, note="  ")
