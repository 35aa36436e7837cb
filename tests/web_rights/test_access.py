"""Export, erasure and the admin's lookup by code, for every role."""

from __future__ import annotations

import pytest

from alliance.web.rights import access
from tests.access_roles import (
    CASELOAD_WRITE,
    NOBODY,
    PERSONAS,
    assert_reaches,
    user_of,
)

pytestmark = pytest.mark.django_db

# Erasing or anonymising: the treating practitioner, and the admins of the client's
# organisation (who find the client by code on the data-requests page).
MAY_ERASE = CASELOAD_WRITE | {"admin": {"own", "colleague"}, "outsider_admin": {"foreign"}}
# The lookup by code is the admins' page only.
BY_CODE = NOBODY | {"admin": {"own", "colleague"}, "outsider_admin": {"foreign"}}


def _clients(world):
    return {
        "own": world.client,
        "colleague": world.colleague_client,
        "foreign": world.foreign_client,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_exportable_and_erasable_clients_for_every_role(world, persona):
    user = user_of(world, persona)
    ids = {kind: client.public_id for kind, client in _clients(world).items()}
    assert_reaches(
        lambda pid: access.exportable_client_for_user(user, pid), ids, CASELOAD_WRITE[persona]
    )
    assert_reaches(
        lambda pid: access.erasable_client_for_user(user, pid), ids, CASELOAD_WRITE[persona]
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_may_export_and_may_erase_for_every_role(world, persona):
    user = user_of(world, persona)
    for kind, client in _clients(world).items():
        assert access.can_export(user, client) == (kind in CASELOAD_WRITE[persona]), kind
        assert access.can_erase(user, client) == (kind in MAY_ERASE[persona]), kind


@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_client_by_code_for_every_role(world, persona):
    user = user_of(world, persona)
    codes = {kind: client.code for kind, client in _clients(world).items()}
    codes["unknown"] = "NO-SUCH-CODE"
    assert_reaches(lambda code: access.admin_client_by_code(user, code), codes, BY_CODE[persona])
