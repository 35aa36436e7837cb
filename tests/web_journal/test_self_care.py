"""Self-care: the WHO-5 check-in, the trend, the load panel, visible to the practitioner only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.web.journal import actions
from alliance.web.journal.models import SelfCareCheckIn


def answers(value):
    return {str(i): value for i in range(1, 6)}


def test_check_in_through_the_form_scores_who5(world, login):
    client = login(world.owner)
    form = client.get(reverse("self_care_check_in"))
    assert "I have felt cheerful and in good spirits" in form.content.decode()
    data = {f"who5-{i}": "3" for i in range(1, 6)}
    response = client.post(reverse("self_care_check_in"), data)
    assert response.status_code == 302
    checkin = SelfCareCheckIn.objects.get(practitioner=world.owner)
    assert checkin.score == 60  # 5 × 3 × 4
    # The same week again replaces it.
    client.post(reverse("self_care_check_in"), {f"who5-{i}": "4" for i in range(1, 6)})
    assert SelfCareCheckIn.objects.get(practitioner=world.owner).score == 80


def test_missing_answer_is_refused_at_the_field(world, login):
    data = {f"who5-{i}": "3" for i in range(1, 5)}
    response = login(world.owner).post(reverse("self_care_check_in"), data)
    assert response.status_code == 200
    assert "5" in response.context["form"].errors
    assert not SelfCareCheckIn.objects.exists()


def test_trend_load_and_a_gentle_prompt_when_reliably_worse(world, login):
    today = timezone.localdate()
    for weeks_ago, value in ((3, 4), (2, 4), (1, 3), (0, 1)):
        actions.record_checkin(
            world.owner, answers(value), day=today - dt.timedelta(weeks=weeks_ago)
        )
    body = login(world.owner).get(reverse("self_care")).content.decode()
    assert "self-care-trend" in body
    assert "Your wellbeing has dropped" in body
    assert "Active clients" in body


def test_no_prompt_when_steady(world, login):
    today = timezone.localdate()
    for weeks_ago in (1, 0):
        actions.record_checkin(world.owner, answers(3), day=today - dt.timedelta(weeks=weeks_ago))
    body = login(world.owner).get(reverse("self_care")).content.decode()
    assert "Your wellbeing has dropped" not in body


@pytest.mark.parametrize("persona", ["supervisor", "admin", "researcher"])
def test_only_the_practitioner_sees_self_care(world, login, persona):
    client = login(getattr(world, persona))
    assert client.get(reverse("self_care")).status_code == 404
    assert client.get(reverse("self_care_check_in")).status_code == 404


def test_a_colleague_sees_only_their_own(world, login):
    actions.record_checkin(world.owner, answers(1))
    body = login(world.colleague).get(reverse("self_care")).content.decode()
    assert "No check-ins yet" in body
    assert "self-care-trend" not in body
