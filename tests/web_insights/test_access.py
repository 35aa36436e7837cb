"""Nobody sees another caseload's alerts; only the treating practitioner acts on one."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from alliance.web.insights.access import alert_for_user, alerts_for_user, can_act_on_alert
from alliance.web.insights.models import Alert, AlertState
from tests.web_insights.matrix import url_arguments

pytestmark = pytest.mark.django_db

# Which alerts each persona sees: own = the owner's client, colleague's, foreign.
SEES = {
    "owner": {"own"},
    "colleague": {"colleague"},
    "supervisor": {"own"},
    "admin": set(),
    "researcher": set(),
    "outsider": {"foreign"},
    "anonymous": set(),
}
ACTS = {"owner": {"own"}, "colleague": {"colleague"}, "outsider": {"foreign"}}


@pytest.fixture
def alerts(world):
    return {
        kind: url_arguments(world, kind)["alert_id"] for kind in ("own", "colleague", "foreign")
    }


@pytest.mark.parametrize("persona", list(SEES))
def test_alert_access_for_every_role(world, alerts, persona):
    from django.contrib.auth.models import AnonymousUser

    user = world.personas()[persona] or AnonymousUser()
    visible = set(alerts_for_user(user).values_list("public_id", flat=True))
    assert visible == {alerts[k] for k in SEES[persona]}
    for kind, public_id in alerts.items():
        for write in (False, True):
            allowed = SEES[persona] if not write else ACTS.get(persona, set())
            if kind in allowed:
                assert alert_for_user(user, public_id, write=write).public_id == public_id
            else:
                with pytest.raises(Http404):
                    alert_for_user(user, public_id, write=write)


@pytest.mark.parametrize("persona", ["colleague", "supervisor", "admin", "researcher", "outsider"])
def test_nobody_else_can_resolve_the_owners_alert(world, alerts, login, persona):
    client = login(world.personas()[persona])
    url = reverse("alert_resolve", kwargs={"alert_id": alerts["own"]})
    assert client.post(url, {"note": "not mine"}).status_code == 404
    assert Alert.objects.get(public_id=alerts["own"]).state == AlertState.OPEN


def test_the_owner_acts_through_the_inbox(world, alerts, login):
    client = login(world.owner)
    page = client.get(reverse("inbox"))
    assert page.status_code == 200
    body = page.content.decode()
    assert world.client.code in body
    assert world.colleague_client.code not in body
    assert "3RS strategy" in body
    url = reverse("alert_snooze", kwargs={"alert_id": alerts["own"]})
    response = client.post(url, {"days": "3", "reason": ""})
    assert response.status_code == 302
    assert Alert.objects.get(public_id=alerts["own"]).state == AlertState.OPEN
    client.post(url, {"days": "3", "reason": "on holiday"})
    assert Alert.objects.get(public_id=alerts["own"]).state == AlertState.SNOOZED
    client.post(
        reverse("alert_resolve", kwargs={"alert_id": alerts["own"]}), {"note": "talked about it"}
    )
    alert = Alert.objects.get(public_id=alerts["own"])
    assert alert.state == AlertState.RESOLVED
    assert "talked about it" in client.get(reverse("inbox")).content.decode()


def test_the_supervisor_sees_supervisees_grouped_and_cannot_act(world, alerts, login):
    client = login(world.supervisor)
    body = client.get(reverse("inbox")).content.decode()
    assert world.client.code in body
    assert str(world.owner) in body
    assert "Resolve alert" not in body


def test_admin_edits_only_their_own_monitoring_settings(world, login):
    from alliance.web.insights.admin import PracticeMonitoringSettingsForm
    from alliance.web.insights.models import PracticeMonitoringSettings

    mine = PracticeMonitoringSettings.objects.create(organisation=world.org)
    theirs = PracticeMonitoringSettings.objects.create(organisation=world.other_org)
    client = login(world.admin)
    assert (
        client.get(f"/admin/insights/practicemonitoringsettings/{mine.pk}/change/").status_code
        == 200
    )
    assert (
        client.get(f"/admin/insights/practicemonitoringsettings/{theirs.pk}/change/").status_code
        == 302
    )
    assert not PracticeMonitoringSettingsForm(
        {"settings": '{"k_alert": -1}', "inbox_cap": 5}
    ).is_valid()
    assert not PracticeMonitoringSettingsForm(
        {"settings": '{"nonsense": 1}', "inbox_cap": 5}
    ).is_valid()
    assert PracticeMonitoringSettingsForm({"settings": '{"k_alert": 2}', "inbox_cap": 5}).is_valid()


@pytest.mark.parametrize("persona", [p for p in SEES if p != "anonymous"])
def test_only_the_treating_practitioner_acts_on_an_alert(world, alerts, persona):
    user = world.personas()[persona]
    for kind, public_id in alerts.items():
        alert = Alert.objects.get(public_id=public_id)
        assert can_act_on_alert(user, alert) == (kind in ACTS.get(persona, set())), kind
