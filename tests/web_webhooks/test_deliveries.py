"""Events reach a real HTTP server on 127.0.0.1, signed, pseudonymous and retried.

The deliveries run through the real database task backend: `run_queue` runs the backend's
own worker in-process until nothing is due. These tests use real transactions
(``transaction=True``) because deliveries are queued on commit.
"""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from alliance.instruments import load_instrument
from alliance.web.audit.models import AuditEntry
from alliance.web.insights import actions as insight_actions
from alliance.web.insights.demo import alliance_answers
from alliance.web.insights.models import Alert, AlertState
from alliance.web.measures import actions as measure_actions
from alliance.web.measures.models import MeasureResponse
from alliance.web.webhooks import actions
from alliance.web.webhooks.delivery import backoff, body_of, post
from alliance.web.webhooks.events import emit
from alliance.web.webhooks.models import (
    BACKOFF_SECONDS,
    MAX_ATTEMPTS,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
)
from alliance.web.webhooks.signing import verify_signature
from alliance.web.webhooks.tasks import attempt_delivery
from tests.factories import make_session
from tests.web_insights.helpers import rated_session
from tests.web_webhooks.conftest import make_retries_due, run_queue

pytestmark = pytest.mark.django_db(transaction=True)

ALL_EVENTS = ["alert.opened", "alert.resolved", "response.received"]
# What must never leave: names, notes, referral reasons, free-text answers, resolution notes.
CLINICAL_TEXT = [
    "Owner Clientname",
    "owner-note-secret",
    "owner-referral-secret",
    "resolution-note-secret",
    "answers",
    "evidence",
]


def check_answers(instrument_id: str, *, tension: tuple[int, int] | None = None) -> dict:
    """The client's answers: a good alliance (with reported tension if given), low symptoms."""
    if instrument_id == "alliance-check":
        extra = {"tension": 1, "bother": tension[0], "resolved": tension[1]} if tension else {}
        return alliance_answers(8, **extra)
    instrument = load_instrument(instrument_id)
    answers = {}
    for item in instrument.items:
        if item.enable_when is not None:
            answers[item.id] = None
        elif item.options:
            answers[item.id] = sorted(item.answers.values)[0]
        else:
            answers[item.id] = item.min
    return answers


def signed_events(receiver, secret: str) -> list[dict]:
    """Return the received payloads, asserting each is signed and labelled correctly."""
    events = []
    for request in receiver.requests:
        assert request.headers["Content-Type"] == "application/json"
        assert verify_signature(secret, request.headers["Alliance-Signature"], request.body)
        payload = json.loads(request.body)
        assert request.headers["Alliance-Event"] == payload["type"]
        assert Delivery.objects.filter(public_id=request.headers["Alliance-Delivery"]).exists()
        text = request.body.decode()
        for secret_text in CLINICAL_TEXT:
            assert secret_text not in text, f"{secret_text!r} left in a webhook"
        events.append(payload)
    return events


def test_alert_opened_resolved_and_response_received_arrive_signed(world, receivers):
    ours, theirs = receivers(), receivers()
    endpoint = actions.register_endpoint(world.admin, url=ours.url, events=ALL_EVENTS)
    foreign = actions.register_endpoint(world.outsider_admin, url=theirs.url, events=ALL_EVENTS)
    episode = world.episode
    for day in (2, 3, 4):
        rated_session(episode, day, 8)
    run_queue()
    assert {e["type"] for e in signed_events(ours, endpoint.secret)} == {"response.received"}
    ours.requests.clear()

    # The client answers the check after the next session and reports a tension that bothered
    # them a lot: the response arrives and a rupture alert opens.
    session = make_session(episode, days_after_start=5)
    check, _token = measure_actions.create_check(world.owner, session)
    answers = {
        i: check_answers(i, tension=(4, 1) if i == "alliance-check" else None)
        for i in check.instrument_ids
    }
    state, responses = measure_actions.submit_check(check, answers)
    assert state == "stored"
    run_queue()
    events = signed_events(ours, endpoint.secret)
    received = [e for e in events if e["type"] == "response.received"]
    assert {e["data"]["response_id"] for e in received} == {str(r.public_id) for r in responses}
    alliance = next(e for e in received if e["data"]["instrument"] == "alliance-check")
    response = MeasureResponse.objects.get(public_id=alliance["data"]["response_id"])
    assert alliance["data"]["score"] == response.total
    assert alliance["data"]["client_code"] == world.client.code
    assert alliance["data"]["session_number"] == session.number
    assert alliance["data"]["episode_id"] == str(episode.public_id)
    assert alliance["organisation"] == str(world.org.public_id)

    opened = [e for e in events if e["type"] == "alert.opened"]
    assert opened, "a reported rupture opens an alert"
    rupture = next(e for e in opened if e["data"]["alert_type"] == "rupture")
    alert = Alert.objects.get(public_id=rupture["data"]["alert_id"])
    assert alert.state == AlertState.OPEN
    assert rupture["data"]["severity"] == alert.severity
    assert rupture["data"]["session_number"] == session.number
    assert rupture["data"]["client_code"] == world.client.code
    ours.requests.clear()

    insight_actions.resolve_alert(world.owner, alert, note="resolution-note-secret")
    run_queue()
    [resolved] = signed_events(ours, endpoint.secret)
    assert resolved["type"] == "alert.resolved"
    assert resolved["data"]["alert_id"] == str(alert.public_id)
    assert resolved["data"]["resolved_by"] == "practitioner"
    assert resolved["data"]["state"] == "resolved"

    # The other organisation's endpoint heard nothing of it.
    assert theirs.requests == []
    assert not Delivery.objects.filter(endpoint=foreign).exists()
    assert all(
        d.status == DeliveryStatus.DELIVERED and d.attempts == 1
        for d in Delivery.objects.filter(endpoint=endpoint)
    )


def test_only_the_subscribed_events_of_active_endpoints_are_sent(world, receivers):
    alerts_only, inactive = receivers(), receivers()
    actions.register_endpoint(world.admin, url=alerts_only.url, events=["alert.opened"])
    off = actions.register_endpoint(world.admin, url=inactive.url, events=ALL_EVENTS)
    actions.update_endpoint(
        world.admin, off, url=off.url, events=off.events, description="", active=False
    )
    rated_session(world.episode, 2, 8)
    run_queue()
    assert alerts_only.requests == [] and inactive.requests == []
    assert Delivery.objects.count() == 0


def test_a_failing_server_is_retried_until_it_answers(world, receivers):
    server = receivers(statuses=[500, 500, 200])
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=ALL_EVENTS)
    emit(world.org, "response.received", {"response_id": "r-1", "score": 4.5})
    delivery = Delivery.objects.get(endpoint=endpoint)

    run_queue()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    first_wait = delivery.next_attempt_at - delivery.attempt_log.get(number=1).at
    assert first_wait.total_seconds() == BACKOFF_SECONDS[0]
    run_queue()  # not due yet: nothing happens
    assert len(server.requests) == 1

    make_retries_due()
    run_queue()
    make_retries_due()
    run_queue()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 3
    assert delivery.last_status_code == 200 and delivery.last_error == ""
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 500, 200]
    # Every attempt carries the same delivery and event id, each freshly signed.
    assert len(server.requests) == 3
    assert len({r.headers["Alliance-Delivery"] for r in server.requests}) == 1
    assert len({json.loads(r.body)["id"] for r in server.requests}) == 1
    for request in server.requests:
        assert verify_signature(
            endpoint.secret, request.headers["Alliance-Signature"], request.body
        )


def test_a_server_that_always_fails_ends_failed_with_growing_waits(world, receivers):
    server = receivers(default=503)
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=ALL_EVENTS)
    emit(world.org, "alert.opened", {"alert_id": "a-1", "severity": "high"})
    delivery = Delivery.objects.get(endpoint=endpoint)
    waits = []
    for _ in range(MAX_ATTEMPTS + 2):
        run_queue()
        delivery.refresh_from_db()
        if delivery.status != DeliveryStatus.PENDING:
            break
        last = delivery.attempt_log.order_by("-number").first()
        waits.append((delivery.next_attempt_at - last.at).total_seconds())
        make_retries_due()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS == len(server.requests)
    assert delivery.last_status_code == 503 and delivery.last_error == "HTTP 503"
    assert delivery.next_attempt_at is None
    assert waits == [30, 120, 600, 3600, 6 * 3600]
    assert waits == sorted(waits) and len(set(waits)) == len(waits)
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == MAX_ATTEMPTS
    assert backoff(1).total_seconds() == 30 and backoff(99).total_seconds() == 6 * 3600


def test_network_errors_are_recorded_and_retried(world, receivers):
    server = receivers()
    url = server.url
    server.close()  # nothing listens there any more
    endpoint = actions.register_endpoint(world.admin, url=url, events=ALL_EVENTS)
    emit(world.org, "alert.opened", {"alert_id": "a-2"})
    run_queue()
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code is None
    assert "refused" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()


def test_redirects_are_not_followed(world, receivers):
    target = receivers()
    server = receivers(default=302, location=target.url)
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=ALL_EVENTS)
    emit(world.org, "alert.opened", {"alert_id": "a-3"})
    run_queue()
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert delivery.status == DeliveryStatus.PENDING
    assert len(server.requests) == 1 and target.requests == []


def test_a_slow_server_times_out(receivers):
    server = receivers(delay=1.0)
    outcome = post(server.url, b"{}", {"Content-Type": "application/json"}, timeout=0.3)
    assert outcome.status_code is None
    assert outcome.error == "no answer within 0.3 s"


def test_an_attempt_runs_once_even_if_its_task_runs_twice(world, receivers):
    server = receivers()
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=ALL_EVENTS)
    [delivery] = emit(world.org, "alert.opened", {"alert_id": "a-4"})
    assert attempt_delivery(str(delivery.public_id), 1) == "delivered"
    assert attempt_delivery(str(delivery.public_id), 1) == "skipped"
    run_queue()  # the queued task for attempt 1 finds it already made
    assert len(server.requests) == 1
    assert Delivery.objects.get(endpoint=endpoint).attempts == 1


def test_deactivating_an_endpoint_fails_what_is_still_pending(world, receivers):
    server = receivers()
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=ALL_EVENTS)
    emit(world.org, "alert.opened", {"alert_id": "a-5"})
    actions.update_endpoint(
        world.admin, endpoint, url=endpoint.url, events=ALL_EVENTS, description="", active=False
    )
    run_queue()
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "the endpoint is deactivated"
    assert server.requests == []


def test_ping_and_redelivery_keep_the_event_id(world, receivers):
    server = receivers(statuses=[500] * MAX_ATTEMPTS)
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=["alert.opened"])
    ping = actions.send_ping(world.admin, endpoint)
    for _ in range(MAX_ATTEMPTS):
        run_queue()
        make_retries_due()
    ping.refresh_from_db()
    assert ping.status == DeliveryStatus.FAILED
    again = actions.redeliver(world.admin, ping)
    run_queue()
    again.refresh_from_db()
    assert again.status == DeliveryStatus.DELIVERED and again.attempts == 1
    assert again.event_id == ping.event_id and again.public_id != ping.public_id
    last = server.requests[-1]
    assert json.loads(last.body)["type"] == "ping"
    assert json.loads(last.body)["id"] == str(ping.event_id)
    assert last.body == body_of(ping.payload)
    assert last.headers["Alliance-Delivery"] == str(again.public_id)
    assert AuditEntry.objects.filter(object_id=again.public_id, action="create").exists()
