"""Behind nginx, per-address limits count visitors: X-Forwarded-For from trusted proxies only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from alliance.web.intake.models import IntakeRequest
from alliance.web.intake.ratelimit import INTAKE_LIMIT
from alliance.web.proxy import client_address, parse_trusted_proxies
from tests.web_intake.factories import make_page
from tests.web_intake.test_intake import valid

LOCAL = parse_trusted_proxies(["127.0.0.1", "::1"])
CHAIN = parse_trusted_proxies(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No trusted proxies (the default): the header is ignored, whatever it says.
        ("203.0.113.9", "198.51.100.1", (), "203.0.113.9"),
        ("127.0.0.1", "198.51.100.1", (), "127.0.0.1"),
        # A peer that is not a trusted proxy cannot choose its address.
        ("203.0.113.9", "198.51.100.1", LOCAL, "203.0.113.9"),
        # nginx on the same machine, as in docs/deployment.md.
        ("127.0.0.1", "198.51.100.1", LOCAL, "198.51.100.1"),
        ("::1", "2001:db8::7", LOCAL, "2001:db8::7"),
        # What the sender wrote (left of what nginx appended) is never believed.
        ("127.0.0.1", "1.2.3.4, 198.51.100.1", LOCAL, "198.51.100.1"),
        # A load balancer in a private network, then nginx: both are skipped.
        ("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.5", CHAIN, "198.51.100.1"),
        # Only trusted hops: the left-most of them.
        ("127.0.0.1", "10.0.0.9, 10.0.0.5", CHAIN, "10.0.0.9"),
        # Garbage stops the walk at the last trusted hop.
        ("127.0.0.1", "not-an-address", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1, junk, 10.0.0.5", CHAIN, "10.0.0.5"),
        # No header: the peer.
        ("127.0.0.1", "", LOCAL, "127.0.0.1"),
    ],
)
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


@pytest.mark.parametrize("bad", ["nginx", "10.0.0.0/33", "127.0.0.1:80", "*"])
def test_a_bad_trusted_proxy_is_refused_with_the_setting_named(bad):
    with pytest.raises(ImproperlyConfigured, match="ALLIANCE_TRUSTED_PROXIES"):
        parse_trusted_proxies([bad])


@pytest.fixture
def intake_url(world):
    make_page(world.org, world.owner)
    cache.clear()
    yield reverse("practitioner_page", args=[world.org.slug, world.owner.username])
    cache.clear()


def _post(client, url, forwarded_for):
    return client.post(url, valid(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_trusted_proxy_the_intake_limit_counts_each_visitor(client, intake_url, settings):
    settings.ALLIANCE_TRUSTED_PROXIES = LOCAL
    for _ in range(INTAKE_LIMIT):
        assert _post(client, intake_url, "198.51.100.1").status_code == 302
    # The same visitor is limited, even when it writes another address in front ...
    assert _post(client, intake_url, "198.51.100.1").status_code == 200
    assert _post(client, intake_url, "192.0.2.99, 198.51.100.1").status_code == 200
    # ... while another visitor through the same proxy is not.
    assert _post(client, intake_url, "198.51.100.2").status_code == 302
    assert IntakeRequest.objects.count() == INTAKE_LIMIT + 1


def test_without_trusted_proxies_a_forwarded_header_cannot_reset_the_limit(
    client, intake_url, settings
):
    settings.ALLIANCE_TRUSTED_PROXIES = ()
    for n in range(INTAKE_LIMIT):
        assert _post(client, intake_url, f"198.51.100.{n}").status_code == 302
    assert _post(client, intake_url, "198.51.100.200").status_code == 200
    assert IntakeRequest.objects.count() == INTAKE_LIMIT


def test_behind_a_trusted_proxy_the_sign_in_lockout_is_per_visitor(world, client, settings):
    settings.ALLIANCE_TRUSTED_PROXIES = LOCAL
    username = world.owner.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"username": username, "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    locked = client.post(
        "/login/",
        {"username": username, "password": "wrong"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert locked.status_code == 429
    # The owner, signing in through the same proxy from elsewhere, is not locked out.
    other = client.post(
        "/login/",
        {"username": username, "password": "wrong"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert other.status_code == 200
