"""The client's check: single-use link, paging, exactly-once storage, critical answers, tablet mode."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliance.web.audit.models import AuditEntry
from alliance.web.measures import actions
from alliance.web.measures.models import Check, MeasureResponse
from tests.factories import make_client, make_episode, make_session

ALLIANCE = {"1": "8", "2": "7", "3": "9", "4": "8", "5": "0"}
PHQ9_CALM = {str(i): "1" for i in range(1, 9)} | {"9": "0"}
PHQ9_CRITICAL = {str(i): "2" for i in range(1, 9)} | {"9": "1"}
GAD7 = {str(i): "1" for i in range(1, 8)}


def prefixed(instrument_id, answers):
    return {f"{instrument_id}-{k}": v for k, v in answers.items()}


@pytest.fixture
def therapy(world):
    """A fresh therapy session of the owner's client, with its open check."""
    session = make_session(world.episode, days_after_start=8)
    check, token = actions.create_check(world.owner, session)
    return session, check, token


def answer_all(client, token, phq9=PHQ9_CALM):
    url = reverse("client_check", kwargs={"token": token})
    first = client.get(url)
    assert first.status_code == 200
    assert "Part 1 of 3" in first.content.decode()
    client.post(url, prefixed("alliance-check", ALLIANCE))
    second = client.get(url).content.decode()
    assert "Part 2 of 3" in second
    client.post(url, prefixed("phq9", phq9))
    return client.post(url, prefixed("gad7", GAD7))


def test_default_plan_puts_due_instruments_in_one_check(therapy):
    _session, check, _token = therapy
    assert check.instrument_ids == ["alliance-check", "phq9", "gad7"]
    assert check.expires_at - check.created_at == dt.timedelta(hours=72)
    assert len(check.token_hash) == 64
    assert _token not in check.token_hash


def test_coaching_plan_asks_wellbeing_at_start_and_every_fourth(world):
    client = make_client(world.owner)
    episode = make_episode(client, service="coaching")
    due = []
    for n in range(1, 6):
        session = make_session(episode, days_after_start=7 * n)
        due.append(actions.instruments_due(session))
    assert due[0] == ["alliance-check", "who5", "flourishing"]
    assert due[1] == ["alliance-check"]
    assert due[3] == ["alliance-check", "who5", "flourishing"]


def test_client_answers_on_the_phone_and_the_practitioner_sees_it_scored(
    world, therapy, client, login
):
    session, check, token = therapy
    done = answer_all(client, token)
    assert done.status_code == 302
    assert done["Location"].endswith(f"/c/{token}/thanks/")
    thanks = client.get(done["Location"]).content.decode()
    assert "Thank you" in thanks
    assert "If you are struggling" not in thanks
    assert MeasureResponse.objects.filter(session=session).count() == 3
    phq9 = MeasureResponse.objects.get(session=session, instrument_id="phq9")
    assert (phq9.total, phq9.band, phq9.critical) == (8.0, "mild", False)
    practitioner = login(world.owner)
    page = practitioner.get(
        reverse("session", kwargs={"session_id": session.public_id})
    ).content.decode()
    assert "PHQ-9" in page and "Mild" in page and "Kroenke" in page


def test_the_page_reveals_nothing_but_the_practice_name(world, therapy, client):
    _session, _check, token = therapy
    body = client.get(reverse("client_check", kwargs={"token": token})).content.decode()
    assert world.org.name in body
    for secret in (
        world.client.code,
        "Owner Clientname",
        world.owner.last_name,
        "owner-note-secret",
    ):
        assert secret not in body


def test_required_items_are_enforced_and_nothing_is_stored(therapy, client):
    _session, _check, token = therapy
    url = reverse("client_check", kwargs={"token": token})
    partial = {
        k: v for k, v in prefixed("alliance-check", ALLIANCE).items() if not k.endswith("-3")
    }
    response = client.post(url, partial)
    body = response.content.decode()
    assert "Please choose an answer to this question." in body
    assert "Part 1 of 3" in body
    assert MeasureResponse.objects.count() == 3  # only the world's practitioner ratings


def test_rupture_follow_ups_are_required_only_after_yes(therapy, client):
    _session, _check, token = therapy
    url = reverse("client_check", kwargs={"token": token})
    response = client.post(url, prefixed("alliance-check", ALLIANCE | {"5": "1"}))
    assert response.content.decode().count("Please choose an answer to this question.") == 2


def test_submitting_twice_stores_exactly_one_response(therapy, client):
    session, check, token = therapy
    answer_all(client, token)
    url = reverse("client_check", kwargs={"token": token})
    again = client.post(url, prefixed("gad7", GAD7))
    assert again.status_code == 302
    assert MeasureResponse.objects.filter(session=session, rater="client").count() == 3
    # A second browser with the used link sees a kind page and stores nothing.
    from django.test import Client as Browser

    other = Browser().get(url, follow=True)
    assert "Thank you" in other.content.decode()


def test_submit_check_is_exactly_once(therapy):
    _session, check, _token = therapy
    answers = {
        "alliance-check": {k: float(v) for k, v in ALLIANCE.items()},
        "phq9": {k: float(v) for k, v in PHQ9_CALM.items()},
        "gad7": {k: float(v) for k, v in GAD7.items()},
    }
    state, stored = actions.submit_check(check, answers)
    assert (state, len(stored)) == ("stored", 3)
    state, stored = actions.submit_check(check, answers)
    assert (state, stored) == ("answered", [])


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_expired_and_revoked_links_store_nothing(world, therapy, client, how):
    session, check, token = therapy
    if how == "expired":
        Check.objects.filter(pk=check.pk).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    else:
        actions.revoke_check(world.owner, check)
    url = reverse("client_check", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 410
    assert "expired" in page.content.decode() or "no longer active" in page.content.decode()
    post = client.post(url, prefixed("alliance-check", ALLIANCE))
    assert post.status_code == 410
    assert not MeasureResponse.objects.filter(session=session, rater="client").exists()


def test_unknown_link_is_a_kind_404(db, client):
    response = client.get(reverse("client_check", kwargs={"token": "not-a-real-token"}))
    assert response.status_code == 404
    assert "could not find this check" in response.content.decode()


def test_critical_answer_flags_notifies_and_shows_crisis_contacts(
    world, therapy, client, login, django_capture_on_commit_callbacks
):
    world.org.crisis_contacts = "Samaritans: 116 123"
    world.org.save()
    world.owner.email = "owner@example.org"
    world.owner.save()
    session, check, token = therapy
    with django_capture_on_commit_callbacks(execute=True):
        done = answer_all(client, token, phq9=PHQ9_CRITICAL)
    thanks = client.get(done["Location"]).content.decode()
    assert "If you are struggling right now" in thanks
    assert "Samaritans: 116 123" in thanks
    # Anyone else who opens the used link later is thanked, never told what was answered.
    later = Client().get(reverse("client_check", kwargs={"token": token}), follow=True)
    assert later.status_code == 200 and "Thank you" in later.content.decode()
    assert "If you are struggling" not in later.content.decode()
    assert "better off dead" not in later.content.decode()
    phq9 = MeasureResponse.objects.get(session=session, instrument_id="phq9")
    assert phq9.critical and phq9.critical_items == ["9"]
    assert len(mail.outbox) == 1
    assert world.client.code in mail.outbox[0].subject
    assert "Owner Clientname" not in mail.outbox[0].body
    assert AuditEntry.objects.filter(summary__startswith="critical answer").exists()
    practitioner = login(world.owner)
    caseload = practitioner.get(reverse("caseload")).content.decode()
    assert "critical answer" in caseload
    page = practitioner.get(
        reverse("client", kwargs={"client_id": world.client.public_id})
    ).content.decode()
    assert "Critical answer — please review today" in page
    practitioner.post(reverse("response_acknowledge", kwargs={"response_id": phq9.public_id}))
    page = practitioner.get(
        reverse("client", kwargs={"client_id": world.client.public_id})
    ).content.decode()
    assert "Critical answer — please review today" not in page


def test_client_language_is_used(world, client):
    world.client.preferred_language = "de"
    world.client.save()
    session = make_session(world.episode, days_after_start=8)
    _check, token = actions.create_check(world.owner, session)
    body = client.get(reverse("client_check", kwargs={"token": token})).content.decode()
    assert "Wir haben an dem gearbeitet, woran ich arbeiten wollte." in body
    assert 'lang="de"' in body
    assert "Teil 1 von 3" in body and "Weiter" in body


def test_tablet_mode_logs_the_practitioner_out_first(world, therapy, login):
    session, check, token = therapy
    practitioner = login(world.owner)
    response = practitioner.post(reverse("check_tablet", kwargs={"check_id": check.public_id}))
    assert response["Location"].endswith(f"/c/{token}/")
    assert practitioner.get(reverse("caseload")).status_code == 302  # back to login
    done = answer_all(practitioner, token)
    thanks = practitioner.get(done["Location"]).content.decode()
    assert "Please hand the device back to your practitioner." in thanks
    assert "Caseload" not in thanks


def test_check_page_shows_qr_and_link_to_the_owner_only(world, therapy, login):
    _session, check, token = therapy
    page = (
        login(world.owner)
        .get(reverse("check", kwargs={"check_id": check.public_id}))
        .content.decode()
    )
    assert "<svg" in page and f"/c/{token}/" in page
    assert (
        login(world.supervisor)
        .get(reverse("check", kwargs={"check_id": check.public_id}))
        .status_code
        == 404
    )


def test_email_the_link(world, therapy, login):
    _session, check, token = therapy
    practitioner = login(world.owner)
    world.client.email = ""
    world.client.save()
    practitioner.post(reverse("check_email", kwargs={"check_id": check.public_id}))
    assert len(mail.outbox) == 0
    world.client.email = "client@example.org"
    world.client.save()
    practitioner.post(reverse("check_email", kwargs={"check_id": check.public_id}))
    assert len(mail.outbox) == 1 and f"/c/{token}/" in mail.outbox[0].body


def test_one_reminder_at_most(world, therapy):
    _session, check, _token = therapy
    world.client.email = "client@example.org"
    world.client.save()
    later = timezone.now() + dt.timedelta(hours=25)
    open_checks = Check.objects.filter(
        session__episode__client=world.client, completed_at__isnull=True
    ).count()
    assert actions.send_reminders(now=later) == open_checks == 2
    assert actions.send_reminders(now=later) == 0
    assert len(mail.outbox) == 2
    assert actions.send_reminders(now=timezone.now()) == 0


def test_logging_a_session_opens_the_check(world, login):
    practitioner = login(world.owner)
    day = world.episode.started_on + dt.timedelta(days=9)
    response = practitioner.post(
        reverse("session_new", kwargs={"episode_id": world.episode.public_id}),
        {
            "starts_at": f"{day:%Y-%m-%d}T10:00",
            "duration_minutes": 50,
            "format": "in_person",
            "attendance": "attended",
        },
    )
    assert "/checks/" in response["Location"]


def test_practitioner_rates_the_session(world, login):
    practitioner = login(world.owner)
    url = reverse("session_rate", kwargs={"session_id": world.session.public_id})
    response = practitioner.post(
        url,
        prefixed("alliance-check-practitioner", {"1": "5", "2": "6", "3": "7", "4": "6", "5": "0"}),
    )
    assert response.status_code == 302
    rating = MeasureResponse.objects.get(session=world.session, rater="practitioner")
    assert rating.total == 6.0


def test_measurement_plan_can_be_changed(world, login):
    practitioner = login(world.owner)
    url = reverse("episode_plan", kwargs={"episode_id": world.episode.public_id})
    assert "phq9" in practitioner.get(url).content.decode()
    bad = practitioner.post(url, {"instrument_id": "who5", "schedule": "every_nth"})
    assert "Say every how many sessions" in bad.content.decode()
    ok = practitioner.post(url, {"instrument_id": "who5", "schedule": "every_nth", "every_n": "3"})
    assert ok.status_code == 302
    assert world.episode.plan_items.filter(instrument_id="who5", every_n=3).exists()


def test_client_facing_pages_are_completely_translated_to_german():
    """Every string of the client's pages has a German translation in the shipped catalogue."""
    import re
    from pathlib import Path

    from django.utils import translation

    import alliance.web

    templates = Path(alliance.web.__file__).parent / "templates" / "measures"
    pattern = re.compile(
        r'{% translate "([^"]+)" %}|{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}', re.S
    )
    strings = set()
    for template in templates.glob("client_*.html"):
        for simple, block in pattern.findall(template.read_text()):
            strings.add(simple or re.sub(r"{{ (\w+) }}", r"%(\1)s", block))
    strings.add("Please choose an answer to this question.")
    assert len(strings) >= 15
    with translation.override("de"):
        untranslated = [s for s in strings if translation.gettext(s) == s]
    assert untranslated == []


def test_unanswered_check_shows_as_missing_on_the_client_page(world, therapy, login):
    _session, check, _token = therapy
    page = (
        login(world.owner)
        .get(reverse("client", kwargs={"client_id": world.client.public_id}))
        .content.decode()
    )
    assert "check open" in page
    Check.objects.filter(pk=check.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = (
        login(world.owner)
        .get(reverse("client", kwargs={"client_id": world.client.public_id}))
        .content.decode()
    )
    assert "check unanswered" in page


def test_a_rating_scale_shows_what_its_ends_mean(therapy, client):
    _session, _check, token = therapy
    body = client.get(reverse("client_check", kwargs={"token": token})).content.decode()
    # The Alliance Check's 0-10 items are anchored "Not at all" ... "Completely".
    assert body.count('<span aria-hidden="true">Not at all</span>') >= 4
    assert body.count('<span aria-hidden="true">Completely</span>') >= 4
    # A screen reader hears the anchors with each number, tied to the radios.
    assert '<span class="visually-hidden">0: Not at all; 10: Completely</span>' in body
    assert 'aria-describedby="id_alliance-check-1-ends"' in body
    assert 'id="id_alliance-check-1-ends"' in body


def test_back_shows_the_answers_given_on_the_step_before(therapy, client):
    _session, _check, token = therapy
    url = reverse("client_check", kwargs={"token": token})
    client.get(url)
    client.post(url, prefixed("alliance-check", ALLIANCE))
    assert "Part 2 of 3" in client.get(url).content.decode()
    back = client.post(url, {"back": "1"}, follow=True).content.decode()
    assert "Part 1 of 3" in back
    # Each answer of part 1 is still chosen: item 1 was 8, item 5 was 0.
    assert 'value="8" id="id_alliance-check-1_8" checked' in back
    assert 'value="0" class="options" required id="id_alliance-check-5_0" checked' in back
    # Next again without touching anything goes on to part 2.
    client.post(url, prefixed("alliance-check", ALLIANCE))
    assert "Part 2 of 3" in client.get(url).content.decode()
