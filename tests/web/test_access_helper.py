"""The one helper every access function fetches through: 404, never 500, whatever the id."""

import uuid

import pytest
from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.practice.models import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("public_id", ["not-a-uuid", "", str(uuid.uuid4())])
def test_a_missing_or_malformed_id_is_a_404_naming_the_record_type(public_id):
    with pytest.raises(Http404, match="No such client"):
        get_or_404(Client.objects.all(), "client", public_id=public_id)


def test_a_row_outside_the_queryset_is_a_404(world):
    outside = Client.objects.exclude(pk=world.client.pk)
    with pytest.raises(Http404):
        get_or_404(outside, "client", public_id=world.client.public_id)
    assert get_or_404(Client.objects.all(), "client", public_id=world.client.public_id) == (
        world.client
    )
