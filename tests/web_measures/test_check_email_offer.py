"""The check page offers to e-mail the link only when the client has an address."""

from __future__ import annotations

from django.urls import reverse

from alliance.web.measures import actions
from tests.factories import make_session


def test_no_email_offer_without_an_address(world, login):
    session = make_session(world.episode, days_after_start=8)
    check, _token = actions.create_check(world.owner, session)
    practitioner = login(world.owner)
    url = reverse("check", kwargs={"check_id": check.public_id})
    world.client.email = ""
    world.client.save()
    page = practitioner.get(url).content.decode()
    assert "E-mail it to the client" not in page
    assert reverse("check_email", kwargs={"check_id": check.public_id}) not in page
    assert "No e-mail address is on file" in page
    world.client.email = "client@example.org"
    world.client.save()
    page = practitioner.get(url).content.decode()
    assert "E-mail it to the client" in page
    assert "No e-mail address is on file" not in page
