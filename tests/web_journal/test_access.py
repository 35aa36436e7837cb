"""Journal entries and self-care check-ins, for every role.

Entries: the owner's unshared and shared ones, a colleague's, and one of the other
organisation's practitioner. Check-ins: the owner's, the colleague's, the outsider's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from alliance.web.journal import actions
from alliance.web.journal.access import (
    checkins_for_user,
    entry_for_user,
    journal_for_user,
    journal_marker,
    shared_with_user,
)
from tests.access_roles import NOBODY, PERSONAS, assert_reaches, user_of
from tests.web_journal.factories import make_entry

pytestmark = pytest.mark.django_db

# A reflection is its author's; their supervisor reads it once it is shared with them.
WRITES = NOBODY | {
    "owner": {"own", "own_shared"},
    "colleague": {"colleague"},
    "outsider": {"foreign"},
}
READS = WRITES | {"supervisor": {"own_shared"}}
# Self-care check-ins: the practitioner themself, nobody else.
CHECKINS = NOBODY | {"owner": {"own"}, "colleague": {"colleague"}, "outsider": {"foreign"}}


@pytest.fixture
def entries(world):
    made = {
        "own": make_entry(world.owner, "unshared"),
        "own_shared": make_entry(world.owner, "shared"),
        "colleague": make_entry(world.colleague),
        "foreign": make_entry(world.outsider),
    }
    actions.share_entry(world.owner, made["own_shared"])
    return {kind: entry.public_id for kind, entry in made.items()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_journal_entries_for_every_role(world, entries, persona):
    user = user_of(world, persona)
    own = set(journal_for_user(user).values_list("public_id", flat=True))
    shared = set(shared_with_user(user).values_list("public_id", flat=True))
    assert own == {entries[kind] for kind in WRITES[persona]}
    assert shared == {entries[kind] for kind in READS[persona] - WRITES[persona]}
    assert_reaches(lambda pid: entry_for_user(user, pid), entries, READS[persona])
    assert_reaches(lambda pid: entry_for_user(user, pid, write=True), entries, WRITES[persona])


def test_an_entry_taken_back_is_no_longer_the_supervisors(world, entries):
    entry = entry_for_user(world.owner, entries["own_shared"], write=True)
    actions.unshare_entry(world.owner, entry)
    assert not shared_with_user(world.supervisor).exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_self_care_checkins_for_every_role(world, persona):
    day = dt.date(2026, 3, 2)
    made = {
        kind: actions.record_checkin(author, {str(i): 3 for i in range(1, 6)}, day=day)
        for kind, author in (
            ("own", world.owner),
            ("colleague", world.colleague),
            ("foreign", world.outsider),
        )
    }
    visible = set(checkins_for_user(user_of(world, persona)))
    assert visible == {made[kind] for kind in CHECKINS[persona]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_session_marker_shows_only_to_the_author(world, persona):
    # The owner wrote about their session and shared it: still only they see the marker.
    entry = make_entry(world.owner, "about this session", session=world.session)
    actions.share_entry(world.owner, entry)
    assert journal_marker(user_of(world, persona), world.session) == (persona == "owner")
