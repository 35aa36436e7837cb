"""Webhook endpoints and their deliveries: the organisation's admins only, for every role."""

from __future__ import annotations

import pytest
from django.http import Http404

from alliance.web.webhooks import actions
from alliance.web.webhooks.access import delivery_for_admin, endpoint_for_admin, endpoints_for_admin
from alliance.web.webhooks.models import Delivery, DeliveryStatus
from tests.access_roles import ADMINS, PERSONAS, assert_reaches, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(world):
    """An endpoint with one finished delivery in each organisation."""
    made = {}
    for kind, admin in (("own", world.admin), ("foreign", world.outsider_admin)):
        endpoint = actions.register_endpoint(
            admin, url="https://hooks.example.org/alliance", events=["alert.opened"]
        )
        delivery = Delivery.objects.create(
            organisation=admin.organisation,
            endpoint=endpoint,
            event_type="ping",
            event_id=f"00000000-0000-4000-8000-00000000000{len(made) + 1}",
            payload={"type": "ping", "data": {}},
            status=DeliveryStatus.DELIVERED,
            attempts=1,
        )
        made[kind] = (endpoint, delivery)
    return made


@pytest.mark.parametrize("persona", PERSONAS)
def test_endpoints_and_deliveries_for_every_role(world, hooks, persona):
    user = user_of(world, persona)
    allowed = ADMINS[persona]
    endpoints = {kind: endpoint.public_id for kind, (endpoint, _) in hooks.items()}
    deliveries = {kind: delivery.public_id for kind, (_, delivery) in hooks.items()}
    assert_reaches(lambda pid: endpoint_for_admin(user, pid), endpoints, allowed)
    assert_reaches(lambda pid: delivery_for_admin(user, pid), deliveries, allowed)
    if allowed:
        listed = set(endpoints_for_admin(user).values_list("public_id", flat=True))
        assert listed == {endpoints[kind] for kind in allowed}
    else:
        with pytest.raises(Http404):
            endpoints_for_admin(user)


def test_a_malformed_id_is_a_404(world, hooks):
    with pytest.raises(Http404):
        endpoint_for_admin(world.admin, "not-a-uuid")
    with pytest.raises(Http404):
        delivery_for_admin(world.admin, "not-a-uuid")
