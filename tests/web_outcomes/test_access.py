"""Every outcome page requested by every persona; the access helpers for every role."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from alliance.web.audit.models import AuditEntry
from alliance.web.outcomes import access
from tests.access_roles import CASELOAD_WRITE, assert_reaches, user_of
from tests.web_outcomes.helpers import OWNER_EPISODES, add_episodes

PERSONAS = ("owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous")

# page -> the personas who get it (everyone else: 404, anonymous: the sign-in page)
ALLOWED = {
    "outcomes_mine": {"owner", "colleague", "outsider"},  # each practitioner their own
    "outcomes_supervision": {"supervisor", "admin"},  # the clinic lead sees everyone
    "outcomes_practice": {"admin"},
    "outcomes_research": {"researcher"},
    "progress_reports": {"owner", "colleague", "outsider"},  # each their own clients
    "progress_report": {"owner"},
    "progress_report_pdf": {"owner"},
}


@pytest.fixture
def practice(world):
    add_episodes(world.owner, OWNER_EPISODES)
    return world


def _url(name, world):
    if name in {"progress_report", "progress_report_pdf"}:
        return reverse(name, args=[world.client.public_id])
    return reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(ALLOWED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_as_every_persona(practice, login, name, persona):
    user = practice.personas()[persona]
    fetch = login(user).post if name == "progress_report_pdf" else login(user).get
    response = fetch(_url(name, practice))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif persona in ALLOWED[name]:
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.django_db
def test_another_organisations_admin_gets_nothing_of_this_practice(practice, login):
    response = login(practice.outsider_admin).get(reverse("outcomes_practice"))
    assert response.status_code == 200
    assert response.context["cells"][0].summary["suppressed"]
    assert practice.owner.get_full_name() not in response.content.decode()


@pytest.mark.django_db
def test_dashboard_practitioners_for_every_role(world):
    mine = access.dashboard_practitioners(world.owner, "mine")
    assert list(mine) == [world.owner]
    assert list(access.dashboard_practitioners(world.supervisor, "supervision")) == [world.owner]
    everyone = set(access.dashboard_practitioners(world.admin, "supervision"))
    assert everyone == {world.owner, world.colleague}
    practice = set(access.dashboard_practitioners(world.admin, "practice"))
    assert practice == {world.owner, world.colleague}
    for user, page in [
        (world.owner, "supervision"),
        (world.owner, "practice"),
        (world.supervisor, "mine"),
        (world.admin, "mine"),
        (world.researcher, "mine"),
        (world.researcher, "practice"),
        (world.colleague, "practice"),
    ]:
        with pytest.raises(Http404):
            access.dashboard_practitioners(user, page)


@pytest.mark.django_db
def test_effects_are_visible_only_to_self_supervisor_and_clinic_lead(world):
    assert access.effects_visible_to(world.owner) == {world.owner.pk}
    assert access.effects_visible_to(world.colleague) == {world.colleague.pk}
    assert access.effects_visible_to(world.supervisor) == {world.owner.pk}
    assert access.effects_visible_to(world.admin) == {world.owner.pk, world.colleague.pk}
    assert access.effects_visible_to(world.researcher) == set()
    assert world.owner.pk not in access.effects_visible_to(world.outsider_admin)


@pytest.mark.django_db
def test_the_report_is_audit_logged(practice, login):
    before = AuditEntry.objects.filter(object_id=practice.client.public_id).count()
    login(practice.owner).get(_url("progress_report", practice))
    login(practice.owner).post(_url("progress_report_pdf", practice))
    assert login(practice.owner).get(_url("progress_report_pdf", practice)).status_code == 405
    entries = AuditEntry.objects.filter(object_id=practice.client.public_id).order_by("id")
    assert entries.count() == before + 2
    assert [e.action for e in entries][-2:] == ["view", "export"]
    assert "progress report (PDF, without session notes)" in entries.last().summary


@pytest.mark.django_db
def test_the_report_list_holds_only_the_practitioners_own_clients(practice, login):
    html = login(practice.owner).get(reverse("progress_reports")).content.decode()
    assert practice.client.code in html
    assert practice.colleague_client.code not in html
    assert reverse("progress_report", args=[practice.client.public_id]) in html
    assert (
        practice.client.code
        not in login(practice.colleague).get(reverse("progress_reports")).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [*PERSONAS, "outsider_admin"])
def test_progress_report_clients_for_every_role(world, persona):
    user = user_of(world, persona)
    clients = {
        "own": world.client,
        "colleague": world.colleague_client,
        "foreign": world.foreign_client,
    }
    allowed = CASELOAD_WRITE[persona]
    # Only practitioners make reports, of the clients they are responsible for or treat.
    if allowed:
        listed = set(access.report_clients_for_user(user))
        assert listed == {clients[kind] for kind in allowed}
    else:
        with pytest.raises(Http404):
            access.report_clients_for_user(user)
    ids = {kind: client.public_id for kind, client in clients.items()}
    assert_reaches(lambda pid: access.report_client_for_user(user, pid), ids, allowed)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_practice_episodes_stay_in_the_users_organisation(world, persona):
    # For practice-wide aggregates only: every episode of the organisation, none of another.
    here = {world.episode, world.colleague_episode}
    expected = {world.foreign_episode} if persona == "outsider" else here
    assert set(access.practice_episodes(world.personas()[persona])) == expected
