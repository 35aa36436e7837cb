"""What each persona may reach, and one way to check an access function against it.

Every access function is tested for every persona of `tests.factories.World` (the owner,
a colleague in the same practice, the owner's supervisor, the clinic admin, a researcher, a
practitioner and an admin of another organisation, an anonymous visitor) against the
owner's record ("own"), a colleague's ("colleague") and another organisation's ("foreign").
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

PERSONAS = (
    "owner",
    "colleague",
    "supervisor",
    "admin",
    "researcher",
    "outsider",
    "outsider_admin",
    "anonymous",
)

NOBODY: dict[str, set[str]] = {persona: set() for persona in PERSONAS}

# Records that follow the client (practice.access.clients_for_user): the practitioner's own
# caseload, the supervisees' for a supervisor, the whole organisation for its admin.
CASELOAD_READ = NOBODY | {
    "owner": {"own"},
    "colleague": {"colleague"},
    "supervisor": {"own"},  # the owner's supervisor
    "admin": {"own", "colleague"},
    "outsider": {"foreign"},
    "outsider_admin": {"foreign"},
}
# Changing them (or handing them out): the treating practitioner only.
CASELOAD_WRITE = NOBODY | {"owner": {"own"}, "colleague": {"colleague"}, "outsider": {"foreign"}}
# Organisation-level records (webhook endpoints): the organisation's admins only.
ADMINS = NOBODY | {"admin": {"own"}, "outsider_admin": {"foreign"}}


def user_of(world, persona: str):
    """Return the persona's user (AnonymousUser for the anonymous visitor)."""
    if persona == "outsider_admin":
        return world.outsider_admin
    return world.personas()[persona] or AnonymousUser()


def assert_reaches(fetch, records: dict, allowed: set[str]) -> None:
    """Assert `fetch(key)` returns each record of an allowed kind and raises Http404 otherwise.

    `records` maps a kind ("own", "colleague", "foreign", ...) to the key `fetch` takes (a
    public id, a code); the record returned must carry that key as its public id or code.
    """
    for kind, key in records.items():
        if kind in allowed:
            found = fetch(key)
            assert key in (getattr(found, "public_id", None), getattr(found, "code", None)), kind
        else:
            with pytest.raises(Http404):
                fetch(key)
