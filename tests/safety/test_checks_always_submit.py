"""An issued check can always be submitted; a second check is refused when it is created.

A session holds one client answer per instrument. So "send check" (web and API) leaves out
what the client already answered and refuses when nothing is left, with a clear message.
Submitting an open link is never refused: answers that cannot be stored are kept for the
practitioner (HeldAnswers), audited, and e-mailed about — a critical answer by name.
The critical-answer e-mail leaves only once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliance.interop.fhir import questionnaire_response
from alliance.web.audit.models import AuditEntry
from alliance.web.insights.models import Alert
from alliance.web.measures import actions
from alliance.web.measures.fhir import import_fhir
from alliance.web.measures.models import Check, HeldAnswers, MeasureResponse
from alliance.web.practice import actions as practice

PHQ9_CRITICAL = {str(i): 1 for i in range(1, 9)} | {"9": 3}
ANSWERS = {
    "alliance-check": {"1": 8, "2": 7, "3": 9, "4": 8, "5": 0},
    "phq9": PHQ9_CRITICAL,
    "gad7": {str(i): 1 for i in range(1, 8)},
}
V1 = "/api/v1"


@pytest.fixture
def answered(world):
    """A recent therapy session whose check the client has answered (a critical PHQ-9)."""
    world.owner.email = "owner@example.org"
    world.owner.save()
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    check, _token = actions.create_check(world.owner, session)
    state, _ = actions.submit_check(check, {i: ANSWERS[i] for i in check.instrument_ids})
    assert state == "stored"
    return session


def test_a_second_check_is_refused_on_the_web_with_a_clear_message(world, login, answered):
    owner = login(world.owner)
    page = owner.post(
        reverse("check_create", kwargs={"session_id": answered.public_id}), follow=True
    )
    assert page.status_code == 200
    assert "already answered" in page.content.decode()
    assert answered.checks.count() == 1


def test_a_second_check_is_refused_by_the_api_with_409(world, api_for, answered):
    api = api_for(world.owner, scopes=["checks:write"])
    refused = api.post(f"{V1}/sessions/{answered.public_id}/checks")
    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    assert error["field"] == "session_id" and "already answered" in error["message"]
    assert answered.checks.count() == 1


def test_a_check_leaves_out_what_arrived_by_another_path(world):
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    resource = questionnaire_response(
        "phq9", {str(i): 0 for i in range(1, 10)}, encounter=f"Encounter/{session.public_id}"
    )
    assert import_fhir(json.dumps(resource), world.org) == (1, 0)
    check, _token = actions.create_check(world.owner, session)
    assert "phq9" not in check.instrument_ids and check.instrument_ids


def test_an_issued_check_whose_measure_arrived_meanwhile_is_still_taken(
    world, client, login, django_capture_on_commit_callbacks
):
    world.org.crisis_contacts = "Samaritans: 116 123"
    world.org.save()
    world.owner.email = "owner@example.org"
    world.owner.save()
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    check, token = actions.create_check(world.owner, session)
    assert "phq9" in check.instrument_ids
    # The PHQ-9 arrives by FHIR while the link is open; then the client answers everything.
    calm = questionnaire_response(
        "phq9", {str(i): 0 for i in range(1, 10)}, encounter=f"Encounter/{session.public_id}"
    )
    import_fhir(json.dumps(calm), world.org)
    url = reverse("client_check", kwargs={"token": token})
    with django_capture_on_commit_callbacks(execute=True):
        for instrument_id in check.instrument_ids:
            last = client.post(
                url, {f"{instrument_id}-{k}": str(v) for k, v in ANSWERS[instrument_id].items()}
            )
    assert last.status_code == 302, last.content.decode()[:300]
    thanks = client.get(last["Location"])
    assert thanks.status_code == 200
    assert "Samaritans: 116 123" in thanks.content.decode()  # the crisis contacts, not a 500
    check.refresh_from_db()
    assert check.state == "answered"
    held = HeldAnswers.objects.get(check_ref=check)
    assert held.critical and held.answers["phq9"]["9"] == 3
    assert "already had a client answer to phq9" in held.reason
    # The rest of the check is stored as usual.
    stored = set(check.responses.values_list("instrument_id", flat=True))
    assert stored == set(check.instrument_ids) - {"phq9"}
    assert AuditEntry.objects.filter(
        object_id=held.public_id, summary__contains="critical answer: phq9 item 9"
    ).exists()
    [email] = [m for m in mail.outbox if "critical answer" in m.subject]
    assert world.client.code in email.subject and "PHQ-9 item 9" in email.body
    # Kept aside or not, a critical answer is an alert in the inbox, at once.
    alert = Alert.objects.get(episode=world.episode, type="critical")
    assert (alert.state, alert.session_number, alert.instrument_id) == (
        "open",
        session.number,
        "phq9",
    )
    # The session page leads the practitioner to them.
    session_page = login(world.owner).get(
        reverse("session", kwargs={"session_id": session.public_id})
    )
    assert "answers kept aside: review them" in session_page.content.decode()
    assert reverse("check", kwargs={"check_id": check.public_id}) in session_page.content.decode()
    # The practitioner finds them on the check's page; a colleague does not.
    page = login(world.owner).get(reverse("check", kwargs={"check_id": check.public_id}))
    assert (
        "Answers kept aside" in page.content.decode() and "critical answer" in page.content.decode()
    )
    other = login(world.colleague).get(reverse("check", kwargs={"check_id": check.public_id}))
    assert other.status_code == 404


def test_answers_that_cannot_be_scored_are_held_not_lost(world, django_capture_on_commit_callbacks):
    world.owner.email = "owner@example.org"
    world.owner.save()
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    check, _token = actions.create_check(world.owner, session)
    broken = {i: dict(ANSWERS[i]) for i in check.instrument_ids}
    broken["phq9"]["1"] = 7  # out of range: the phone form never sends it, a bug might
    with django_capture_on_commit_callbacks(execute=True):
        state, responses = actions.submit_check(check, broken)
    assert (state, responses) == ("held", [])
    held = HeldAnswers.objects.get(check_ref=check)
    assert held.critical and set(held.answers) == set(check.instrument_ids)
    assert "phq9" in held.reason
    assert not MeasureResponse.objects.filter(session=session).exclude(rater="practitioner")
    assert Check.objects.get(pk=check.pk).state == "answered"
    assert [m.to for m in mail.outbox if "critical answer" in m.subject] == [["owner@example.org"]]
    assert Alert.objects.filter(episode=world.episode, type="critical", state="open").exists()


def test_the_critical_email_waits_for_the_commit(world, django_capture_on_commit_callbacks):
    world.owner.email = "owner@example.org"
    world.owner.save()
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    check, _token = actions.create_check(world.owner, session)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        state, _ = actions.submit_check(check, {i: ANSWERS[i] for i in check.instrument_ids})
        assert state == "stored"
    assert mail.outbox == []  # stored and audited, but nothing sent before the commit
    assert callbacks
    for callback in callbacks:
        callback()
    assert len([m for m in mail.outbox if "critical answer" in m.subject]) == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(world):
    world.owner.email = "owner@example.org"
    world.owner.save()
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    check, _token = actions.create_check(world.owner, session)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        actions.submit_check(check, {i: ANSWERS[i] for i in check.instrument_ids})
        raise Abandon
    assert mail.outbox == []
    assert not MeasureResponse.objects.filter(session=session, critical=True).exists()
    assert not AuditEntry.objects.filter(summary__startswith="critical answer").exists()
    # The same submission, committed, sends the e-mail once.
    actions.submit_check(check, {i: ANSWERS[i] for i in check.instrument_ids})
    assert len([m for m in mail.outbox if "critical answer" in m.subject]) == 1


class UnreachableMailServer(BaseEmailBackend):
    """A mail server that refuses every message (not one of ours: Django's backend API)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_mail_server_that_is_down_does_not_turn_the_answer_into_an_error(
    world, client, settings, django_capture_on_commit_callbacks
):
    from alliance.web.insights.models import Alert

    settings.EMAIL_BACKEND = f"{__name__}.UnreachableMailServer"
    world.org.crisis_contacts = "Samaritans: 116 123"
    world.org.save()
    world.owner.email = "owner@example.org"
    world.owner.save()
    session = practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    check, token = actions.create_check(world.owner, session)
    url = reverse("client_check", kwargs={"token": token})
    with django_capture_on_commit_callbacks(execute=True):
        for instrument_id in check.instrument_ids:
            last = client.post(
                url, {f"{instrument_id}-{k}": str(v) for k, v in ANSWERS[instrument_id].items()}
            )
    assert last.status_code == 302
    assert "Samaritans: 116 123" in client.get(last["Location"]).content.decode()
    assert MeasureResponse.objects.get(session=session, instrument_id="phq9").critical
    assert Alert.objects.filter(episode=world.episode, type="critical").exists()
