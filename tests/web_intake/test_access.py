"""Practice pages and intake requests, for every role.

Requests: one to the owner's page, one to a colleague's, one to the practice's page, and
the same to the other organisation's practitioner and practice page.
"""

from __future__ import annotations

import pytest
from django.http import Http404

from alliance.web.intake import access, actions
from alliance.web.intake.models import PracticePage
from tests.access_roles import NOBODY, PERSONAS, assert_reaches, user_of
from tests.web_intake.factories import make_intake, make_page

pytestmark = pytest.mark.django_db

# A request to a named practitioner is theirs; one to the practice goes to its admin, and
# any practitioner of the practice may take it on. Supervisors and researchers: none.
INTAKE = NOBODY | {
    "owner": {"own", "practice"},
    "colleague": {"colleague", "practice"},
    "admin": {"practice"},
    "outsider": {"foreign", "foreign_practice"},
    "outsider_admin": {"foreign_practice"},
}
# Editing one's own page: practitioners; the practice's page: its admin.
OWN_PAGE = {"owner", "colleague", "outsider"}
ORGANISATION_PAGE = {"admin", "outsider_admin"}


@pytest.fixture
def requests(world):
    pages = {
        "own": make_page(world.org, world.owner),
        "colleague": make_page(world.org, world.colleague),
        "practice": make_page(world.org),
        "foreign": make_page(world.other_org, world.outsider),
        "foreign_practice": make_page(world.other_org),
    }
    return {kind: make_intake(page).public_id for kind, page in pages.items()}


@pytest.mark.parametrize("persona", PERSONAS)
def test_intake_requests_for_every_role(world, requests, persona):
    user = user_of(world, persona)
    listed = set(access.intake_for_user(user).values_list("public_id", flat=True))
    assert listed == {requests[kind] for kind in INTAKE[persona]}
    assert_reaches(lambda pid: access.intake_request_for_user(user, pid), requests, INTAKE[persona])


def test_an_answered_request_is_no_longer_there_to_answer(world, requests):
    request = access.intake_request_for_user(world.owner, requests["own"])
    actions.decline_intake(world.owner, request, reason="Full until May")
    assert request.public_id in access.intake_for_user(world.owner).values_list(
        "public_id", flat=True
    )
    with pytest.raises(Http404):
        access.intake_request_for_user(world.owner, requests["own"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_editing_ones_own_page_for_every_role(world, persona):
    user = user_of(world, persona)
    if persona not in OWN_PAGE:
        with pytest.raises(Http404):
            access.own_page_for_user(user)
        return
    fresh = access.own_page_for_user(user)
    assert fresh.pk is None and fresh.member == user
    made = make_page(user.organisation, user)
    assert access.own_page_for_user(user) == made


@pytest.mark.parametrize("persona", PERSONAS)
def test_editing_the_practice_page_for_every_role(world, persona):
    user = user_of(world, persona)
    if persona not in ORGANISATION_PAGE:
        with pytest.raises(Http404):
            access.organisation_page_for_user(user)
        return
    fresh = access.organisation_page_for_user(user)
    assert fresh.pk is None and fresh.member is None
    assert fresh.organisation_id == user.organisation_id
    made = make_page(user.organisation)
    assert access.organisation_page_for_user(user) == made


def test_published_pages_are_public_and_unpublished_ones_are_not_there(world):
    # The public pages take no user: whoever asks gets the same answer.
    practice = make_page(world.org)
    member = make_page(world.org, world.owner)
    make_page(world.org, world.colleague, published=False)
    slug = world.org.slug
    assert access.published_organisation_page(slug) == practice
    assert access.published_member_page(slug, world.owner.username) == member
    assert access.published_member_page(slug, str(world.owner.public_id)) == member
    assert list(access.published_member_pages(world.org)) == [member]
    for member_key in (world.colleague.username, world.outsider.username, "not-a-uuid"):
        with pytest.raises(Http404):
            access.published_member_page(slug, member_key)
    with pytest.raises(Http404):
        access.published_organisation_page(world.other_org.slug)  # it has no page
    PracticePage.objects.filter(pk=practice.pk).update(published=False)
    with pytest.raises(Http404):
        access.published_organisation_page(slug)
