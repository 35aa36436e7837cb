"""Intake requests: spam protections, clear field errors, encryption, the queue and accept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from alliance.web.audit.models import AuditEntry
from alliance.web.intake.models import IntakeRequest, IntakeStatus
from alliance.web.intake.ratelimit import INTAKE_LIMIT
from alliance.web.practice.models import Episode, Phase
from tests.web_intake.factories import make_intake, make_page


def valid(**extra):
    data = {
        "name": "Alex Prospect",
        "contact": "alex@example.org",
        "help_with": "intake-words-secret: I want to change careers.",
        "preferred_times": "Tuesday evenings",
        "preferred_format": "video",
        "language": "en",
        "consent_to_contact": "on",
        "website": "",
    }
    data.update(extra)
    return data


@pytest.fixture
def page(world):
    return make_page(world.org, world.owner)


@pytest.fixture
def url(world, page):
    return reverse("practitioner_page", args=[world.org.slug, world.owner.username])


def test_a_request_is_stored_encrypted_and_lands_with_the_practitioner(world, client, url):
    response = client.post(url, valid())
    assert response.status_code == 302
    assert response["Location"] == reverse("intake_sent", args=[world.org.slug])
    request = IntakeRequest.objects.get()
    assert request.practitioner == world.owner
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, contact, help_with FROM journal_intakerequest")
        raw = " ".join(cursor.fetchone())
    assert "Alex" not in raw and "alex@" not in raw and "careers" not in raw
    assert client.get(response["Location"]).status_code == 200


def test_the_form_never_shows_other_requests(world, client, url, page):
    make_intake(page, name="Earlier Person", help_with="earlier-secret")
    body = client.get(url).content.decode()
    assert "Earlier Person" not in body and "earlier-secret" not in body
    body = client.post(url, valid(name="")).content.decode()
    assert "Earlier Person" not in body and "earlier-secret" not in body


def test_honeypot_pretends_and_keeps_nothing(client, url):
    response = client.post(url, valid(website="http://spam.example"))
    assert response.status_code == 302
    assert not IntakeRequest.objects.exists()


def test_rate_limit_per_address(client, url):
    for _ in range(INTAKE_LIMIT):
        assert client.post(url, valid(), REMOTE_ADDR="203.0.113.9").status_code == 302
    blocked = client.post(url, valid(), REMOTE_ADDR="203.0.113.9")
    assert blocked.status_code == 200
    assert "try again later" in blocked.content.decode()
    assert IntakeRequest.objects.count() == INTAKE_LIMIT
    # Another address is not affected.
    assert client.post(url, valid(), REMOTE_ADDR="203.0.113.10").status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Please tell us your name."),
        ("contact", "", "Please give an e-mail address or a phone number."),
        ("contact", "alex@", "does not look complete"),
        ("contact", "call me", "phone number we can call"),
        ("help_with", "", "A sentence or two is enough."),
        ("consent_to_contact", "", "We can only reply if you agree to be contacted."),
        ("help_with", "x" * 4001, "Please keep it under 4000 characters."),
        ("preferred_times", "x" * 5000, "Please keep it under 1000 characters."),
    ],
)
def test_clear_field_errors(client, url, field, value, message):
    data = valid(**{field: value})
    if not value:
        data.pop(field)
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not IntakeRequest.objects.exists()


def test_practitioner_accepts_into_a_new_engagement_episode(world, login, page):
    request = make_intake(page)
    client = login(world.owner)
    queue = client.get(reverse("intake_queue")).content.decode()
    assert "Robin Intake" in queue
    response = client.post(reverse("intake_accept", args=[request.public_id]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == IntakeStatus.ACCEPTED
    episode = Episode.objects.get(pk=request.episode_id)
    assert episode.phase == Phase.ENGAGEMENT
    assert episode.practitioner == world.owner
    assert episode.client.name == "Robin Intake"
    assert episode.client.email == "robin@example.org"
    assert response["Location"] == reverse("client", args=[episode.client.public_id])
    summaries = set(AuditEntry.objects.values_list("summary", flat=True))
    assert any(s.startswith("intake accepted as") for s in summaries)
    # Answered once only.
    again = client.post(reverse("intake_accept", args=[request.public_id]))
    assert again.status_code == 404


def test_admin_accepts_a_practice_request_for_a_chosen_practitioner(world, login):
    request = make_intake(make_page(world.org))
    client = login(world.admin)
    response = client.post(
        reverse("intake_accept", args=[request.public_id]),
        {"practitioner": str(world.colleague.public_id)},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.episode.practitioner == world.colleague


def test_decline_needs_a_reason_and_is_audited(world, login, page):
    request = make_intake(page)
    client = login(world.owner)
    client.post(reverse("intake_decline", args=[request.public_id]), {"reason": ""})
    request.refresh_from_db()
    assert request.status == IntakeStatus.PENDING
    client.post(reverse("intake_decline", args=[request.public_id]), {"reason": "Full until May"})
    request.refresh_from_db()
    assert request.status == IntakeStatus.DECLINED
    assert request.decline_reason == "Full until May"
    assert AuditEntry.objects.filter(summary="intake declined", actor=world.owner).exists()


@pytest.mark.parametrize("persona", ["colleague", "supervisor", "admin", "researcher", "outsider"])
def test_others_cannot_see_or_answer_a_practitioners_request(world, login, page, persona):
    request = make_intake(page)
    client = login(getattr(world, persona))
    assert "Robin Intake" not in client.get(reverse("intake_queue")).content.decode()
    assert client.post(reverse("intake_accept", args=[request.public_id])).status_code == 404
    request.refresh_from_db()
    assert request.status == IntakeStatus.PENDING


def test_the_long_fields_say_their_limit_to_the_browser(client, url):
    body = client.get(url).content.decode()
    assert 'maxlength="4000"' in body and 'maxlength="1000"' in body
