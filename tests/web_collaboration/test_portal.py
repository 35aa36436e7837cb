"""The client portal: link plus PIN, rate limit and lock, revocation, inactivity, privacy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from alliance.web.collaboration import actions
from alliance.web.collaboration.models import (
    ClientNote,
    Goal,
    PortalAccess,
    PortalSettings,
    Task,
)
from alliance.web.collaboration.views.portal import PORTAL_IDLE
from alliance.web.measures.models import MeasureResponse
from tests.web_collaboration.helpers import goal, sessions


@pytest.fixture
def portal(world):
    access, token, pin = actions.create_portal_access(world.owner, world.client)
    return access, token, pin, reverse("portal", kwargs={"portal_token": token})


def unlock(http, url, pin):
    return http.post(url, {"action": "pin", "pin": pin})


def test_practitioner_makes_a_link_and_pin_shown_once(world, login):
    client = login(world.owner)
    url = reverse("portal_manage", kwargs={"client_id": world.client.public_id})
    body = client.post(url).content.decode()
    access = PortalAccess.objects.get(client=world.client)
    assert "/p/" in body and 'class="portal-pin"' in body
    assert access.pin_hash.startswith(("md5$", "pbkdf2")) and access.token_hash not in body
    # Shown only once: the page afterwards no longer shows the PIN.
    assert 'class="portal-pin"' not in client.get(url).content.decode()
    # A new link closes the old one.
    client.post(url)
    access.refresh_from_db()
    assert access.revoked_at is not None
    assert PortalAccess.objects.filter(client=world.client, revoked_at__isnull=True).count() == 1


def test_link_and_pin_open_the_portal(world, portal):
    _access, _token, pin, url = portal
    http = HttpClient()
    page = http.get(url)
    assert page.status_code == 200 and "PIN" in page.content.decode()
    assert "Owner Clientname" not in page.content.decode()
    response = unlock(http, url, pin)
    assert response.status_code == 302
    page = http.get(url)
    assert "Your goals" in page.content.decode()


def test_wrong_pin_counts_down_then_locks_for_fifteen_minutes(world, portal):
    access, _token, pin, url = portal
    http = HttpClient()
    for left in (4, 3, 2, 1):
        body = unlock(http, url, "000000" if pin != "000000" else "111111").content.decode()
        assert (f"{left} tries left" if left > 1 else "1 try left") in body
    response = unlock(http, url, "999999" if pin != "999999" else "888888")
    assert response.status_code == 429
    assert "paused for 15 minutes" in response.content.decode()
    access.refresh_from_db()
    assert access.locked_until > timezone.now() + dt.timedelta(minutes=14)
    # Even the right PIN, from a fresh browser, is refused while locked.
    assert unlock(HttpClient(), url, pin).status_code == 429
    PortalAccess.objects.filter(pk=access.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert unlock(HttpClient(), url, pin).status_code == 302


def test_revoked_or_unknown_link_opens_nothing(world, login, portal):
    access, token, pin, url = portal
    http = HttpClient()
    unlock(http, url, pin)
    owner = login(world.owner)
    owner.post(reverse("portal_revoke", kwargs={"portal_id": access.public_id}))
    access.refresh_from_db()
    assert access.revoked_at is not None
    assert http.get(url).status_code == 404  # even for a browser that had unlocked it
    assert unlock(HttpClient(), url, pin).status_code == 404
    assert HttpClient().get(reverse("portal", kwargs={"portal_token": "nope"})).status_code == 404


def test_inactivity_and_logout_close_the_portal(world, portal):
    access, _token, pin, url = portal
    http = HttpClient()
    unlock(http, url, pin)
    session = http.session
    key = f"portal-{access.public_id}"
    session[key] = (timezone.now() - PORTAL_IDLE - dt.timedelta(minutes=1)).isoformat()
    session.save()
    body = http.get(url).content.decode()
    assert "without activity" in body and "Your goals" not in body
    unlock(http, url, pin)
    logout = reverse("portal_logout", kwargs={"portal_token": _token})
    assert "logged out" in http.post(logout).content.decode()
    assert "Your goals" not in http.get(url).content.decode()


def test_portal_shows_own_goals_tasks_and_checks_and_nothing_else(world, portal):
    _access, _token, pin, url = portal
    g = goal(world.episode, title="Cook a proper meal twice a week")
    (s1,) = sessions(world.episode, 1)
    actions.rate_goals(world.owner, world.episode, {g: 1}, session=s1)
    actions.add_task(world.owner, world.episode, what="Buy vegetables on Saturday")
    goal(world.colleague_episode, title="Colleague client's goal")
    actions.add_task(world.colleague, world.colleague_episode, what="Colleague client's task")
    http = HttpClient()
    unlock(http, url, pin)
    body = http.get(url).content.decode()
    assert "Cook a proper meal twice a week" in body
    assert "somewhat more than expected" in body  # the latest level in plain words
    assert "Buy vegetables on Saturday" in body
    check = world.extras["own"]["check"]
    assert reverse("client_check", kwargs={"token": world.extras["own"]["token"]}) in body, check
    for hidden in (
        "Colleague client's goal",
        "Colleague client's task",
        "owner-note-secret",
        "owner-referral-secret",
        "Owner Clientname",
        world.client.code,
        world.owner.last_name,
    ):
        assert hidden not in body


def test_client_ticks_a_task_leaves_a_note_and_proposes_a_goal(world, portal):
    _access, _token, pin, url = portal
    task = actions.add_task(world.owner, world.episode, what="Call my sister")
    other = actions.add_task(world.colleague, world.colleague_episode, what="Not yours")
    http = HttpClient()
    unlock(http, url, pin)
    assert http.post(url, {"action": "tick", "task": str(task.public_id)}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.ticked_by == "client"
    # Another client's task cannot be ticked through this portal.
    assert http.post(url, {"action": "tick", "task": str(other.public_id)}).status_code == 404
    assert Task.objects.get(pk=other.pk).status == "open"
    http.post(url, {"action": "note", "text": "I want to talk about work"})
    note = ClientNote.objects.get()
    assert note.client == world.client and note.text == "I want to talk about work"
    assert http.post(url, {"action": "note", "text": "   "}).status_code == 400
    http.post(url, {"action": "propose", "title": "Sleep better"})
    proposed = Goal.objects.get()
    assert proposed.title == "Sleep better"
    assert (proposed.status, proposed.proposed_by) == ("proposed", "client")


def test_note_reaches_the_prep_screen_and_can_be_marked_seen(world, login, portal):
    access, *_ = portal
    note = actions.leave_client_note(access, "The holidays worry me")
    client = login(world.owner)
    prep = reverse("session_prep", kwargs={"session_id": world.session.public_id})
    assert "The holidays worry me" in client.get(prep).content.decode()
    client.post(reverse("client_note_seen", kwargs={"note_id": note.public_id}), {"next": prep})
    note.refresh_from_db()
    assert note.seen_at is not None
    assert "The holidays worry me" not in client.get(prep).content.decode()


def _response(session, instrument_id, total, critical=False):
    return MeasureResponse.objects.create(
        organisation=session.organisation,
        session=session,
        instrument_id=instrument_id,
        rater="client",
        total=total,
        scored=True,
        critical=critical,
    )


def test_score_trends_in_kind_words_only_for_allowed_instruments(world, portal):
    _access, _token, pin, url = portal
    s1, s2 = sessions(world.episode, 2)
    _response(s1, "phq9", 18)
    _response(s2, "phq9", 8)
    _response(s1, "alliance-check", 5)
    _response(s2, "alliance-check", 9)
    http = HttpClient()
    unlock(http, url, pin)
    body = http.get(url).content.decode()
    assert "clearly improved" in body
    assert "Alliance Check" not in body  # alliance hidden by default
    PortalSettings.objects.create(organisation=world.org, client_visible_instruments=[])
    assert "clearly improved" not in http.get(url).content.decode()


def test_no_praise_under_a_trend_whose_latest_answer_was_critical(world, portal):
    _access, _token, pin, url = portal
    s1, s2 = sessions(world.episode, 2)
    _response(s1, "phq9", 18)
    _response(s2, "phq9", 8, critical=True)  # better overall, but item 9 answered above zero
    http = HttpClient()
    unlock(http, url, pin)
    body = http.get(url).content.decode()
    assert "clearly improved" not in body and "Well done" not in body
    assert "Thank you for answering honestly" in body


def test_portal_speaks_the_clients_language(world, portal):
    _access, _token, pin, url = portal
    world.client.preferred_language = "de"
    world.client.save()
    http = HttpClient()
    assert "Bitte geben Sie die PIN ein" in http.get(url).content.decode()
    unlock(http, url, pin)
    assert "Ihre Ziele" in http.get(url).content.decode()


def test_admin_sets_visible_instruments_for_own_practice_only(world, login):
    from alliance.web.collaboration.admin import PortalSettingsForm

    form = PortalSettingsForm(
        {"organisation": world.org.pk, "client_visible_instruments": '["phq9", "nope"]'}
    )
    assert not form.is_valid() and "nope" in str(form.errors)
    PortalSettings.objects.create(organisation=world.other_org, client_visible_instruments=[])
    client = login(world.admin)
    page = client.get("/admin/collaboration/portalsettings/")
    assert page.status_code == 200
    assert world.other_org.name not in page.content.decode()


def test_trends_are_small_charts_without_validation_status_or_citations(world, portal):
    from alliance.instruments import load_instrument

    _access, _token, pin, url = portal
    PortalSettings.objects.create(
        organisation=world.org, client_visible_instruments=["phq9", "alliance-check"]
    )
    s1, s2, s3 = sessions(world.episode, 3)
    for session, total in ((s1, 18), (s2, 12), (s3, 8)):
        _response(session, "phq9", total)
    _response(s1, "alliance-check", 5)
    _response(s2, "alliance-check", 9)
    http = HttpClient()
    unlock(http, url, pin)
    body = http.get(url).content.decode()
    # One inline chart per allowed instrument, its values in order and in its text alternative.
    assert body.count('<svg class="trend-chart"') == 2
    assert "Your scores, oldest first: 18, 12, 8." in body
    assert "<script" not in body and "http" not in body.split("<main", 1)[1].split("</main>")[0]
    for instrument_id in ("phq9", "alliance-check"):
        instrument = load_instrument(instrument_id)
        assert instrument.citation[:40] not in body
        assert instrument.licence not in body
    assert "not validated" not in body and "Licence" not in body


def test_the_client_check_shows_no_validation_status_licence_or_citation(world):
    from alliance.instruments import load_instrument

    token = world.extras["own"]["token"]
    body = HttpClient().get(reverse("client_check", kwargs={"token": token})).content.decode()
    instrument = load_instrument("alliance-check")
    assert "<h1>Alliance Check</h1>" in body
    assert "not validated" not in body and "Licence" not in body
    assert instrument.citation[:40] not in body
