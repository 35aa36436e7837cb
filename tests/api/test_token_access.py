"""API tokens: one's own, and an admin every token of their organisation, for every role."""

from __future__ import annotations

import pytest

from alliance.web.api.access import token_for_user, tokens_for_user
from alliance.web.api.actions import create_token
from tests.access_roles import PERSONAS, assert_reaches, user_of

pytestmark = pytest.mark.django_db

STAFF = [p for p in PERSONAS if p != "anonymous"]
IN_ORG = {"owner", "colleague", "supervisor", "admin", "researcher"}
SEES = {persona: {persona} for persona in STAFF} | {
    "admin": IN_ORG,
    "outsider_admin": {"outsider", "outsider_admin"},
    "anonymous": set(),
}


@pytest.fixture
def tokens(world):
    made = {}
    for persona in STAFF:
        user = user_of(world, persona)
        token, _secret = create_token(user, user, scopes=["read"], days=30)
        made[persona] = token.public_id
    return made


@pytest.mark.parametrize("persona", PERSONAS)
def test_tokens_for_every_role(world, tokens, persona):
    user = user_of(world, persona)
    listed = set(tokens_for_user(user).values_list("public_id", flat=True))
    assert listed == {tokens[name] for name in SEES[persona]}
    assert_reaches(lambda pid: token_for_user(user, pid), tokens, SEES[persona])
