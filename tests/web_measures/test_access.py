"""Checks, responses and plan lines follow the client's caseload, for every role."""

from __future__ import annotations

import pytest

from alliance.web.measures.access import check_for_user, plan_item_for_user, response_for_user
from tests.access_roles import CASELOAD_READ, CASELOAD_WRITE, PERSONAS, assert_reaches, user_of

pytestmark = pytest.mark.django_db

KINDS = ("own", "colleague", "foreign")


def _ids(world, name):
    return {kind: world.extras[kind][name].public_id for kind in KINDS}


@pytest.mark.parametrize("persona", PERSONAS)
def test_checks_for_every_role(world, persona):
    user = user_of(world, persona)
    checks = _ids(world, "check")
    assert_reaches(lambda pid: check_for_user(user, pid), checks, CASELOAD_READ[persona])
    assert_reaches(
        lambda pid: check_for_user(user, pid, write=True), checks, CASELOAD_WRITE[persona]
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_responses_for_every_role(world, persona):
    user = user_of(world, persona)
    responses = _ids(world, "response")
    assert_reaches(lambda pid: response_for_user(user, pid), responses, CASELOAD_READ[persona])
    assert_reaches(
        lambda pid: response_for_user(user, pid, write=True), responses, CASELOAD_WRITE[persona]
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_plan_lines_for_every_role(world, persona):
    # A plan line is only ever fetched to be changed: the treating practitioner alone.
    user = user_of(world, persona)
    items = _ids(world, "plan_item")
    assert_reaches(lambda pid: plan_item_for_user(user, pid), items, CASELOAD_WRITE[persona])
