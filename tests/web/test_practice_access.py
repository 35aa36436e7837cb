"""The practice record's access functions for every role, reading and writing.

tests/web/test_privacy.py checks what each role is shown; this checks each function.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from alliance.web.accounts.access import require_role, staff_user
from alliance.web.accounts.models import Role
from alliance.web.practice.access import (
    can_read_clinical_text,
    can_write_clinical,
    client_for_user,
    clients_for_user,
    episode_for_user,
    episodes_for_user,
    practitioners_for_user,
    session_for_user,
    sessions_for_user,
)
from tests.access_roles import CASELOAD_READ, CASELOAD_WRITE, PERSONAS, assert_reaches, user_of

pytestmark = pytest.mark.django_db

# Clinical free text: the treating practitioner and their supervisor; never an admin.
READ_TEXT = CASELOAD_WRITE | {"supervisor": {"own"}}
# Whose caseloads a persona may look at (by practitioner).
PRACTITIONERS = {
    "owner": {"owner"},
    "colleague": {"colleague"},
    "supervisor": {"owner"},
    "admin": {"owner", "colleague"},
    "researcher": set(),
    "outsider": {"outsider"},
    "outsider_admin": {"outsider"},
    "anonymous": set(),
}
ROLE_OF = {
    "owner": Role.PRACTITIONER,
    "colleague": Role.PRACTITIONER,
    "supervisor": Role.SUPERVISOR,
    "admin": Role.ADMIN,
    "researcher": Role.RESEARCHER,
    "outsider": Role.PRACTITIONER,
    "outsider_admin": Role.ADMIN,
}


def _clients(world):
    return {
        "own": world.client,
        "colleague": world.colleague_client,
        "foreign": world.foreign_client,
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_clients_episodes_and_sessions_for_every_role(world, persona):
    user = user_of(world, persona)
    clients = _clients(world)
    episodes = {kind: client.episodes.get() for kind, client in clients.items()}
    sessions = {kind: episode.sessions.get() for kind, episode in episodes.items()}
    read, write = CASELOAD_READ[persona], CASELOAD_WRITE[persona]
    for listing, records in (
        (clients_for_user, clients),
        (episodes_for_user, episodes),
        (sessions_for_user, sessions),
    ):
        assert set(listing(user)) == {records[kind] for kind in read}
    for fetch, records in (
        (client_for_user, clients),
        (episode_for_user, episodes),
        (session_for_user, sessions),
    ):
        ids = {kind: record.public_id for kind, record in records.items()}
        assert_reaches(lambda pid, fetch=fetch: fetch(user, pid), ids, read)
        assert_reaches(lambda pid, fetch=fetch: fetch(user, pid, write=True), ids, write)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_who_writes_and_reads_clinical_text_for_every_role(world, persona):
    user = user_of(world, persona)
    for kind, client in _clients(world).items():
        assert can_write_clinical(user, client) == (kind in CASELOAD_WRITE[persona]), kind
        assert can_read_clinical_text(user, client) == (kind in READ_TEXT[persona]), kind


@pytest.mark.parametrize("persona", PERSONAS)
def test_practitioners_for_every_role(world, persona):
    staff = {"owner": world.owner, "colleague": world.colleague, "outsider": world.outsider}
    found = set(practitioners_for_user(user_of(world, persona)))
    assert found == {staff[name] for name in PRACTITIONERS[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("role", list(Role))
def test_require_role_for_every_role(world, persona, role):
    user = user_of(world, persona)
    if ROLE_OF.get(persona) == role:
        assert require_role(user, role) == user.organisation_id
    else:
        with pytest.raises(Http404):
            require_role(user, role)


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_user_for_every_role(world, persona):
    request = RequestFactory().get("/admin/")
    request.user = user_of(world, persona)
    if persona == "anonymous":
        with pytest.raises(PermissionDenied):
            staff_user(request)
    else:
        assert staff_user(request) == request.user
