"""The research pages and research consent, for every role."""

from __future__ import annotations

import pytest
from django.http import Http404

from alliance.web.outcomes.access import require_outcome_research
from alliance.web.research.access import (
    can_change_research_consent,
    may_use_research,
    require_research_access,
    research_settings,
)
from tests.access_roles import CASELOAD_WRITE, PERSONAS, user_of

pytestmark = pytest.mark.django_db

# Researchers always; an organisation's admins only when it allows them (off by default).
RESEARCH = {"researcher"}
RESEARCH_WHEN_ADMINS_ALLOWED = {"researcher", "admin"}


@pytest.mark.parametrize("admins_allowed", [False, True])
@pytest.mark.parametrize("persona", PERSONAS)
def test_research_pages_for_every_role(world, persona, admins_allowed):
    settings = research_settings(world.org)
    settings.admins_may_access = admins_allowed
    settings.save()
    user = user_of(world, persona)
    allowed = persona in (RESEARCH_WHEN_ADMINS_ALLOWED if admins_allowed else RESEARCH)
    assert may_use_research(user) == allowed
    if allowed:
        assert require_research_access(user) == world.org
        require_outcome_research(user)
    else:
        with pytest.raises(Http404):
            require_research_access(user)
        with pytest.raises(Http404):
            require_outcome_research(user)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_research_consent_is_the_treating_practitioners_for_every_role(world, persona):
    user = user_of(world, persona)
    clients = {
        "own": world.client,
        "colleague": world.colleague_client,
        "foreign": world.foreign_client,
    }
    for kind, client in clients.items():
        allowed = kind in CASELOAD_WRITE[persona]
        assert can_change_research_consent(user, client) == allowed, kind
