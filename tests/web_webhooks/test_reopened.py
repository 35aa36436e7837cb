"""An alert the data resolved and then opened again is announced as opened again."""

from __future__ import annotations

import pytest

from alliance.web.accounts.models import Role
from alliance.web.insights.models import Alert, AlertState
from alliance.web.insights.services import refresh_episode
from alliance.web.measures.models import MeasureResponse
from alliance.web.webhooks import actions
from alliance.web.webhooks.models import Delivery
from tests.factories import make_client, make_episode, make_organisation, make_user
from tests.web_insights.helpers import rated_session

pytestmark = pytest.mark.django_db


def test_a_reopened_rupture_sends_alert_opened_again():
    org = make_organisation()
    admin = make_user(org, Role.ADMIN)
    episode = make_episode(make_client(make_user(org, Role.PRACTITIONER)))
    actions.register_endpoint(admin, url="http://127.0.0.1:9/hook", events=["alert.opened"])
    for day, value in enumerate([8, 8, 8]):
        rated_session(episode, day + 1, value)
    rated_session(episode, 5, 4)  # a sharp drop opens a rupture
    refresh_episode(episode)
    [alert] = Alert.objects.filter(episode=episode, type="rupture")
    repair = rated_session(episode, 6, 8.5)
    refresh_episode(episode)  # repaired: resolved by the data, nothing sent
    MeasureResponse.objects.filter(session=repair).delete()
    refresh_episode(episode)  # the repair is withdrawn: the same alert opens again
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and alert.reopened_count == 1
    sent = [
        d.payload["data"]["alert_id"]
        for d in Delivery.objects.filter(event_type="alert.opened").order_by("created_at")
    ]
    assert sent.count(str(alert.public_id)) == 2
