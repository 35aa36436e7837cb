"""Research pages and the consent form: who may reach them, and what they show."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.models import AuditEntry
from alliance.web.research.access import research_settings
from alliance.web.research.models import ResearchConsent, ResearchExport

PAGES = ["research", "research_export", "research_report"]
PERSONAS = ["owner", "colleague", "supervisor", "researcher", "admin", "outsider", "anonymous"]


@pytest.mark.django_db
def test_research_pages_are_for_researchers_only(world, login):
    for persona in PERSONAS:
        client = login(world.personas()[persona])
        for name in PAGES:
            response = client.get(reverse(name))
            expected = {"researcher": 200, "anonymous": 302}.get(persona, 404)
            assert response.status_code == expected, (name, persona)


@pytest.mark.django_db
def test_admins_reach_research_only_when_the_practice_allows(world, login):
    settings = research_settings(world.org)
    client = login(world.admin)
    assert client.get(reverse("research")).status_code == 404
    settings.admins_may_access = True
    settings.save()
    assert client.get(reverse("research")).status_code == 200
    # the setting is per organisation
    other = login(world.outsider_admin)
    assert other.get(reverse("research")).status_code == 404
    practitioner = login(world.owner)
    assert practitioner.get(reverse("research")).status_code == 404


@pytest.mark.django_db
def test_practitioners_and_others_cannot_export(research_world, login):
    for persona in ["owner", "colleague", "supervisor", "admin", "outsider"]:
        client = login(research_world.world.personas()[persona])
        for name, data in (
            ("research_export", {"format": "csv", "shape": "long"}),
            ("research_report", {"seed": 1}),
        ):
            assert client.post(reverse(name), data).status_code == 404, (persona, name)
    assert login(None).post(reverse("research_export"), {"format": "csv"}).status_code == 302
    assert not ResearchExport.objects.exists()
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_researcher_page_shows_counts_and_reliability_but_no_client(research_world, login):
    rw = research_world
    client = login(rw.world.researcher)
    response = client.get(reverse("research"))
    body = response.content.decode()
    assert 'data-count="consenting">4<' in body
    assert 'data-count="withdrawn">1<' in body
    assert 'data-stat="alpha"' in body
    assert "We worked on what I wanted to work on." in body
    for c in [*rw.consenting, rw.withdrawn, rw.not_asked, rw.world.foreign_client]:
        assert c.code not in body
        assert str(c.public_id) not in body
        if c.name:
            assert c.name not in body


@pytest.mark.django_db
def test_researcher_downloads_a_data_set_and_sees_it_in_past_exports(research_world, login):
    rw = research_world
    client = login(rw.world.researcher)
    response = client.post(
        reverse("research_export"), {"format": "csv", "shape": "both", "instruments": ["phq9"]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert len(names) == 4
    export = ResearchExport.objects.get()
    assert export.created_by == rw.world.researcher
    assert export.file_name in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="export", object_id=export.public_id).exists()
    page = client.get(reverse("research")).content.decode()
    assert export.file_name in page


@pytest.mark.django_db
def test_export_form_rejects_unknown_choices(research_world, login):
    client = login(research_world.world.researcher)
    response = client.post(reverse("research_export"), {"format": "xlsx", "shape": "long"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ResearchExport.objects.exists()


@pytest.mark.django_db
def test_researcher_downloads_the_offline_report(research_world, login):
    client = login(research_world.world.researcher)
    response = client.post(reverse("research_report"), {"seed": 11})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "attachment" in response["Content-Disposition"]
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    for c in research_world.consenting:
        assert c.code not in html
    assert ResearchExport.objects.get().format == "html"


def _consent_url(client):
    return reverse("research_consent", kwargs={"client_id": client.public_id})


def _give(day=None):
    return {
        "action": "give",
        "research-given_on": (day or timezone.localdate()).isoformat(),
        "research-confirm": "on",
    }


@pytest.mark.django_db
def test_only_the_treating_practitioner_records_consent(world, login):
    for persona in ["colleague", "supervisor", "researcher", "admin", "outsider"]:
        client = login(world.personas()[persona])
        assert client.post(_consent_url(world.client), _give()).status_code == 404, persona
        assert client.post(_consent_url(world.client), {"action": "withdraw"}).status_code == 404
    assert not ResearchConsent.objects.filter(client=world.client).exists()


@pytest.mark.django_db
def test_treating_practitioner_records_and_withdraws_consent(world, login):
    client = login(world.owner)
    url = _consent_url(world.client)
    assert client.get(url).status_code == 405
    page = client.get(reverse("client", kwargs={"client_id": world.client.public_id}))
    assert "Record research consent" in page.content.decode()
    response = client.post(url, _give())
    assert response.status_code == 302
    assert response["Location"].endswith("#research-consent")
    page = client.get(reverse("client", kwargs={"client_id": world.client.public_id}))
    assert "Record withdrawal of research consent" in page.content.decode()
    client.post(url, {"action": "withdraw"})
    rows = list(ResearchConsent.objects.filter(client=world.client).order_by("id"))
    assert [r.in_force for r in rows] == [True, False]
    assert all(r.recorded_by == world.owner for r in rows)
    audit = AuditEntry.objects.filter(object_type="researchconsent").count()
    assert audit == 2


@pytest.mark.django_db
def test_consent_cannot_be_dated_in_the_future(world, login):
    client = login(world.owner)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(_consent_url(world.client), _give(tomorrow), follow=True)
    assert "Consent cannot be dated in the future." in response.content.decode()
    assert not ResearchConsent.objects.exists()


@pytest.mark.django_db
def test_supervisor_sees_the_consent_state_without_the_form(world, login):
    client = login(world.owner)
    client.post(_consent_url(world.client), _give())
    supervisor = login(world.supervisor)
    body = supervisor.get(
        reverse("client", kwargs={"client_id": world.client.public_id})
    ).content.decode()
    assert "Research consent" in body
    assert "Consents" in body
    assert _consent_url(world.client) not in body


@pytest.mark.django_db
def test_clinic_admin_turns_on_research_access_in_the_django_admin(world, login):
    client = login(world.admin)
    response = client.post(
        reverse("admin:research_researchsettings_add"), {"admins_may_access": "on"}
    )
    assert response.status_code == 302
    settings = research_settings(world.org)
    assert settings.admins_may_access
    assert len(settings.project_key) == 64
    assert client.get(reverse("research")).status_code == 200
    listing = client.get(reverse("admin:research_researchsettings_changelist")).content.decode()
    assert settings.project_key not in listing
    change = client.get(
        reverse("admin:research_researchsettings_change", args=[settings.pk])
    ).content.decode()
    assert settings.project_key not in change
    assert login(world.outsider_admin).get(
        reverse("admin:research_researchsettings_change", args=[settings.pk])
    ).status_code in {302, 404}
