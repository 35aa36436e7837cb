"""The rights pages for every persona, judged by the site-wide permission matrix's rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.test_url_matrix import MAY_READ_TEXT, SECRETS, expected_status, targets
from tests.web_rights.matrix import CLASSES

NAMES = sorted(set().union(*CLASSES.values()))
WITH_CLIENT = {"client_export", "client_erase"}


@pytest.mark.parametrize(
    "persona", ["owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous"]
)
def test_rights_pages_follow_the_matrix(world, login, persona):
    client = login(world.personas()[persona])
    for name in NAMES:
        kinds = ["own", "colleague", "foreign"] if name in WITH_CLIENT else [None]
        for kind in kinds:
            kwargs = {"client_id": targets(world, kind)["client_id"]} if kind else {}
            url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            allowed = expected_status(name, persona, kind)
            assert response.status_code in allowed, f"{persona} {url}: {response.status_code}"
            if response.status_code == 200:
                body = response.content.decode()
                for secret_kind, secrets in SECRETS.items():
                    if secret_kind not in MAY_READ_TEXT.get(persona, set()):
                        for secret in secrets:
                            assert secret not in body, f"{persona} saw {secret} on {url}"
            if response.status_code == 404:
                assert client.post(url, {}).status_code == 404
