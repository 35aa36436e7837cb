"""In production, webhooks go to the internet: loopback, private and link-local addresses are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from alliance.web.webhooks.delivery import post
from alliance.web.webhooks.forms import clean_endpoint_url, is_public_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.MODE = "production"
    settings.ALLIANCE_WEBHOOKS_ALLOW_HTTP = False
    settings.ALLIANCE_WEBHOOKS_ALLOW_PRIVATE = False
    return settings


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://printer.local/hook",
    ],
)
def test_registration_refuses_private_addresses_naming_them(production, url):
    with pytest.raises(ValidationError, match="private or link-local address"):
        clean_endpoint_url(url)


def test_registration_accepts_a_public_https_address(production):
    assert clean_endpoint_url(" https://hooks.example.org/alliance ") == (
        "https://hooks.example.org/alliance"
    )


def test_delivery_refuses_a_name_that_resolves_to_loopback(production):
    outcome = post("https://localhost:9/hook", b"{}", {})
    assert outcome.status_code is None
    assert "resolves to a private or loopback address" in outcome.error


def test_the_operator_may_allow_private_addresses(production, receivers):
    production.ALLIANCE_WEBHOOKS_ALLOW_PRIVATE = True
    production.ALLIANCE_WEBHOOKS_ALLOW_HTTP = True
    receiver = receivers()
    assert clean_endpoint_url(receiver.url) == receiver.url
    assert post(receiver.url, b"{}", {"Content-Type": "application/json"}).status_code == 200


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2001:4860:4860::8888", True), ("100.64.0.1", False),
     ("::ffff:127.0.0.1", False), ("224.0.0.1", False), ("0.0.0.0", False)],
)  # fmt: skip
def test_public_addresses(address, public):
    assert is_public_address(address) is public
