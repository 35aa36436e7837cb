"""The session prep screen: phase, measures with change, signals, goals, notes, tasks."""

from __future__ import annotations

from django.urls import reverse

from alliance.web.collaboration import actions
from alliance.web.insights.models import Alert
from tests.web_collaboration.helpers import goal


def test_prep_screen_gathers_what_the_practitioner_needs(world, login):
    episode = world.episode
    goal(episode, title="Return to work part-time")
    actions.add_task(world.owner, episode, what="Email HR about hours")
    access, _token, _pin = actions.create_portal_access(world.owner, world.client)
    actions.leave_client_note(access, "Worried about my manager")
    Alert.objects.create(
        organisation=episode.organisation,
        episode=episode,
        key="rupture:test",
        type="rupture",
        session_number=1,
        severity="high",
    )
    url = reverse("session_prep", kwargs={"session_id": world.session.public_id})
    body = login(world.owner).get(url).content.decode()
    for expected in (
        "Return to work part-time",
        "Email HR about hours",
        "Worried about my manager",
        episode.get_phase_display(),
        str(episode.phase_purpose),
        "Last alliance",
        "Open signals",
    ):
        assert expected in body, expected
    assert "No open signals" not in body
    # The practitioner's own alliance rating of session 1 is on the screen.
    assert "Alliance Check (practitioner)" in body


def test_admin_sees_the_prep_screen_without_clinical_text(world, login):
    goal(world.episode, title="Private goal words")
    access, _token, _pin = actions.create_portal_access(world.owner, world.client)
    actions.leave_client_note(access, "Private note words")
    url = reverse("session_prep", kwargs={"session_id": world.session.public_id})
    body = login(world.admin).get(url).content.decode()
    assert "Private goal words" not in body and "Private note words" not in body
    assert login(world.colleague).get(url).status_code == 404
