"""Goals, tasks, portal links and client notes follow the client's caseload, for every role.

The client reaches their own goals, tasks and notes through the portal link and PIN (see
test_portal.py); these are the staff's access functions.
"""

from __future__ import annotations

import pytest

from alliance.web.collaboration.access import (
    client_note_for_user,
    goal_for_user,
    portal_access_for_user,
    task_for_user,
)
from tests.access_roles import CASELOAD_READ, CASELOAD_WRITE, PERSONAS, assert_reaches, user_of
from tests.web_collaboration.matrix import url_arguments

pytestmark = pytest.mark.django_db

FUNCTIONS = {
    "goal_id": goal_for_user,
    "task_id": task_for_user,
    "portal_id": portal_access_for_user,
    "note_id": client_note_for_user,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_collaboration_records_for_every_role(world, persona, key):
    user = user_of(world, persona)
    fetch = FUNCTIONS[key]
    records = {kind: url_arguments(world, kind)[key] for kind in ("own", "colleague", "foreign")}
    assert_reaches(lambda pid: fetch(user, pid), records, CASELOAD_READ[persona])
    assert_reaches(lambda pid: fetch(user, pid, write=True), records, CASELOAD_WRITE[persona])
