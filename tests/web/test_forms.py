"""Bad input is rejected at the field with a clear message, and nothing is saved."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.models import AuditEntry
from alliance.web.practice.models import Client, Episode, PhaseChange, Session


def test_add_client_generates_pseudonymous_code(world, login):
    client = login(world.owner)
    response = client.post(reverse("client_new"), {"preferred_language": "en"})
    assert response.status_code == 302
    created = Client.objects.get(organisation=world.org, code="T-0003")
    assert created.practitioner == world.owner
    assert AuditEntry.objects.filter(object_id=created.public_id, action="create").exists()


def test_duplicate_client_code_is_refused(world, login):
    client = login(world.owner)
    before = Client.objects.count()
    response = client.post(
        reverse("client_new"), {"code": world.colleague_client.code, "preferred_language": "en"}
    )
    assert response.status_code == 200
    assert f"The code {world.colleague_client.code} is already in use." in response.content.decode()
    assert Client.objects.count() == before


def test_same_code_in_another_organisation_is_fine(world, login):
    client = login(world.outsider)
    response = client.post(
        reverse("client_new"), {"code": world.client.code, "preferred_language": "en"}
    )
    assert response.status_code == 302


def test_invalid_email_and_year_are_refused(world, login):
    client = login(world.owner)
    before = Client.objects.count()
    response = client.post(
        reverse("client_new"),
        {"email": "not-an-email", "year_of_birth": "1800", "preferred_language": "en"},
    )
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert "Enter a year between 1900" in body
    assert Client.objects.count() == before


def test_start_episode_begins_in_engagement_with_a_phase_event(world, login):
    client = login(world.owner)
    response = client.post(
        reverse("episode_new", kwargs={"client_id": world.client.public_id}),
        {"service": "coaching", "started_on": "2026-01-05", "referral_reason": "career change"},
    )
    assert response.status_code == 302
    episode = Episode.objects.filter(client=world.client).order_by("-id").first()
    assert episode.phase == "engagement"
    assert episode.referral_reason == "career change"
    change = episode.phase_changes.get()
    assert (change.from_phase, change.to_phase, change.changed_by) == (
        "",
        "engagement",
        world.owner,
    )


def test_interpreter_needs_a_language(world, login):
    client = login(world.owner)
    before = Episode.objects.count()
    response = client.post(
        reverse("episode_new", kwargs={"client_id": world.client.public_id}),
        {"service": "therapy", "started_on": "2026-01-05", "interpreter_needed": "on"},
    )
    assert "Say which language the interpreter speaks." in response.content.decode()
    assert Episode.objects.count() == before


def test_session_numbers_are_assigned_in_order(world, login):
    client = login(world.owner)
    url = reverse("session_new", kwargs={"episode_id": world.episode.public_id})
    start = world.episode.started_on
    for offset in (8, 15):
        day = start + dt.timedelta(days=offset)
        response = client.post(
            url,
            {
                "starts_at": f"{day:%Y-%m-%d}T10:00",
                "duration_minutes": 50,
                "format": "video",
                "attendance": "attended",
                "note": "worked on goals",
            },
        )
        assert response.status_code == 302
    numbers = list(world.episode.sessions.values_list("number", flat=True))
    assert numbers == [1, 2, 3]
    assert world.episode.sessions.get(number=3).phase == "engagement"


def test_session_before_episode_start_is_refused(world, login):
    client = login(world.owner)
    before = Session.objects.count()
    day = world.episode.started_on - dt.timedelta(days=1)
    response = client.post(
        reverse("session_new", kwargs={"episode_id": world.episode.public_id}),
        {
            "starts_at": f"{day:%Y-%m-%d}T10:00",
            "duration_minutes": 50,
            "format": "in_person",
            "attendance": "attended",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "a session cannot be before that" in body
    assert 'id="id_starts_at_error"' in body
    assert Session.objects.count() == before


def test_session_duration_is_bounded(world, login):
    client = login(world.owner)
    day = world.episode.started_on + dt.timedelta(days=3)
    response = client.post(
        reverse("session_new", kwargs={"episode_id": world.episode.public_id}),
        {
            "starts_at": f"{day:%Y-%m-%d}T10:00",
            "duration_minutes": 2,
            "format": "in_person",
            "attendance": "attended",
        },
    )
    assert "A session lasts between 5 and 480 minutes." in response.content.decode()


def test_phase_moves_forward_with_confirmation(world, login):
    client = login(world.owner)
    url = reverse("episode_phase", kwargs={"episode_id": world.episode.public_id})
    today = timezone.localdate().isoformat()
    unconfirmed = client.post(url, {"to_phase": "assessment", "changed_on": today})
    assert "Tick the box to confirm the phase change." in unconfirmed.content.decode()
    world.episode.refresh_from_db()
    assert world.episode.phase == "engagement"
    response = client.post(url, {"to_phase": "assessment", "changed_on": today, "confirm": "on"})
    assert response.status_code == 302
    world.episode.refresh_from_db()
    assert world.episode.phase == "assessment"
    assert PhaseChange.objects.filter(episode=world.episode, to_phase="assessment").count() == 1


def test_phase_backwards_needs_a_reason(world, login):
    client = login(world.owner)
    url = reverse("episode_phase", kwargs={"episode_id": world.episode.public_id})
    today = timezone.localdate().isoformat()
    client.post(url, {"to_phase": "working", "changed_on": today, "confirm": "on"})
    changes = PhaseChange.objects.count()
    response = client.post(url, {"to_phase": "assessment", "changed_on": today, "confirm": "on"})
    assert "Moving back to an earlier phase needs a reason." in response.content.decode()
    assert PhaseChange.objects.count() == changes
    ok = client.post(
        url,
        {
            "to_phase": "assessment",
            "changed_on": today,
            "confirm": "on",
            "reason": "goals need revisiting",
        },
    )
    assert ok.status_code == 302
    world.episode.refresh_from_db()
    assert world.episode.phase == "assessment"


def test_end_episode_passes_through_ending(world, login):
    client = login(world.owner)
    url = reverse("episode_end", kwargs={"episode_id": world.episode.public_id})
    early = world.episode.started_on.isoformat()
    refused = client.post(url, {"ended_on": early, "ending_type": "planned", "confirm": "on"})
    assert "took place after that date" in refused.content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(url, {"ended_on": today, "ending_type": "unplanned", "confirm": "on"})
    assert response.status_code == 302
    world.episode.refresh_from_db()
    assert (world.episode.phase, world.episode.ending_type) == ("ending", "unplanned")
    assert not world.episode.is_active
    # An ended episode takes no more sessions after its end and no phase moves.
    again = client.post(
        reverse("episode_phase", kwargs={"episode_id": world.episode.public_id}),
        {"to_phase": "working", "changed_on": today, "confirm": "on", "reason": "x"},
    )
    assert "The episode has ended" in again.content.decode()


def test_every_help_text_is_the_one_its_field_points_to():
    """Django points a field with help text at `<id>_helptext`; the shared template must give the
    help paragraph that id, or a screen reader reads nothing (every form that includes it)."""
    import re

    from django.template.loader import render_to_string

    from alliance.web.api.forms import TokenForm

    class Someone:
        pk = 1
        role = "practitioner"
        organisation_id = 1

    html = render_to_string("form_fields.html", {"form": TokenForm(actor=Someone())})
    pointed = set(re.findall(r'aria-describedby="([^"]+)"', html))
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert pointed and pointed <= ids, pointed - ids
