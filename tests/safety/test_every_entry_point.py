"""A critical answer (PHQ-9 item 9 "Nearly every day") flags the client by every way it can arrive.

Each entry point is driven from the outside (HTTP, the CLI, the demo loader) and must end in
the same place: the response stored as critical, the audit entry naming it, a critical alert
open on the episode, and — when the answer is recent — one e-mail to the practitioner, sent
only once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from alliance.cli import app
from alliance.interop.fhir import questionnaire_response
from alliance.web.audit.models import AuditEntry
from alliance.web.insights.models import Alert
from alliance.web.measures import actions
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.practice import actions as practice
from alliance.web.webhooks.actions import register_endpoint
from alliance.web.webhooks.models import Delivery

runner = CliRunner()
PHQ9_CRITICAL = {str(i): 1 for i in range(1, 9)} | {"9": 3}  # item 9: "Nearly every day"
ALLIANCE = {"1": 8, "2": 7, "3": 9, "4": 8, "5": 0}
GAD7 = {str(i): 1 for i in range(1, 8)}
V1 = "/api/v1"


def _session(world, *, ago: dt.timedelta):
    """A session of the owner's client that started `ago` before now."""
    return practice.record_session(
        world.owner, world.episode, starts_at=timezone.now() - ago, note=""
    )


def _answer_link(http, token: str) -> None:
    """The client answers every part of the check behind `token` on the phone."""
    url = reverse("client_check", kwargs={"token": token})
    for _step in range(5):
        page = http.get(url)
        if page.status_code != 200 or "Part " not in page.content.decode():
            break
        form = page.context["form"]
        instrument = page.context["instrument"].id
        answers = {"phq9": PHQ9_CRITICAL, "gad7": GAD7, "alliance-check": ALLIANCE}[instrument]
        http.post(url, {f"{form.prefix}-{k}": str(v) for k, v in answers.items()})


def via_client_check(world, client, api_for, tmp_path, *, recent):
    session = _session(world, ago=dt.timedelta(hours=2))
    _check, token = actions.create_check(world.owner, session)
    _answer_link(client, token)
    return session


def via_api_check(world, client, api_for, tmp_path, *, recent):
    session = _session(world, ago=dt.timedelta(hours=2))
    api = api_for(world.owner, scopes=["checks:write"])
    created = api.post(f"{V1}/sessions/{session.public_id}/checks")
    assert created.status_code == 201, created.content
    token = created.json()["url"].rstrip("/").rsplit("/", 1)[-1]
    _answer_link(client, token)
    return session


def _fhir_resource(session, *, recent):
    authored = timezone.now() - (dt.timedelta(hours=2) if recent else dt.timedelta(days=30))
    return questionnaire_response(
        "phq9", PHQ9_CRITICAL, authored=authored, encounter=f"Encounter/{session.public_id}"
    )


def via_fhir_api(world, client, api_for, tmp_path, *, recent):
    session = _session(world, ago=dt.timedelta(hours=2))
    api = api_for(world.owner, scopes=["fhir:write"])
    answer = api.post(
        f"{V1}/fhir/QuestionnaireResponse",
        _fhir_resource(session, recent=recent),
        content_type="application/fhir+json",
    )
    assert answer.status_code == 201, answer.content
    return session


def via_csv_import(world, client, api_for, tmp_path, *, recent):
    session = _session(world, ago=dt.timedelta(hours=2) if recent else dt.timedelta(days=30))
    path = tmp_path / "responses.csv"
    rows = [
        f"{world.client.code},{session.number},phq9,{item},{value}"
        for item, value in PHQ9_CRITICAL.items()
    ]
    path.write_text("client_code,session_number,instrument,item,value\n" + "\n".join(rows))
    result = runner.invoke(
        app, ["import", "responses", str(path), "--organisation", world.org.slug]
    )
    assert result.exit_code == 0, result.output
    return session


def via_fhir_import(world, client, api_for, tmp_path, *, recent):
    session = _session(world, ago=dt.timedelta(hours=2))
    path = tmp_path / "responses.json"
    path.write_text(json.dumps(_fhir_resource(session, recent=recent)))
    result = runner.invoke(app, ["import", "fhir", str(path), "--organisation", world.org.slug])
    assert result.exit_code == 0, result.output
    return session


ENTRY_POINTS = {
    "client check": (via_client_check, Source.CHECK),
    "API check": (via_api_check, Source.CHECK),
    "FHIR API": (via_fhir_api, Source.FHIR),
    "CSV import": (via_csv_import, Source.IMPORT),
    "FHIR import": (via_fhir_import, Source.FHIR),
}
CASES = [pytest.param(name, True, id=f"{name}, recent") for name in ENTRY_POINTS] + [
    pytest.param(name, False, id=f"{name}, a month old")
    for name in ("FHIR API", "CSV import", "FHIR import")
]


def _assert_flagged(response: MeasureResponse) -> Alert:
    assert response.critical and response.critical_items == ["9"]
    assert AuditEntry.objects.filter(
        object_id=response.public_id, summary__startswith="critical answer: phq9 item 9"
    ).exists()
    alert = Alert.objects.get(episode=response.session.episode, type="critical")
    assert alert.state == "open" and alert.session_number == response.session.number
    return alert


@pytest.mark.parametrize(("entry_point", "recent"), CASES)
def test_a_critical_answer_flags_the_client_by_every_entry_point(
    entry_point, recent, world, client, api_for, tmp_path, django_capture_on_commit_callbacks
):
    world.owner.email = "owner@example.org"
    world.owner.save()
    register_endpoint(
        world.admin, url="https://hooks.example.org/alliance", events=["response.received"]
    )
    drive, source = ENTRY_POINTS[entry_point]
    with django_capture_on_commit_callbacks(execute=True):
        session = drive(world, client, api_for, tmp_path, recent=recent)
    response = MeasureResponse.objects.get(session=session, instrument_id="phq9")
    assert response.source == source and response.rater == Rater.CLIENT
    _assert_flagged(response)
    critical_mail = [m for m in mail.outbox if m.subject.startswith("Alliance: critical answer")]
    live = source != Source.IMPORT and entry_point != "FHIR import"
    if recent or live:
        # Told once, by pseudonymous code only.
        assert len(critical_mail) == 1
        assert critical_mail[0].to == ["owner@example.org"]
        assert world.client.code in critical_mail[0].subject
        assert "Owner Clientname" not in critical_mail[0].body
    else:
        # An imported answer a month old is history: flagged on the client, not e-mailed.
        assert critical_mail == []
    announced = Delivery.objects.filter(
        event_type="response.received", payload__data__response_id=str(response.public_id)
    )
    assert announced.exists() == (recent or live)


def test_the_demo_loader_flags_its_critical_answer(db, django_capture_on_commit_callbacks):
    from alliance.web.insights.demo import load_demo_measures
    from alliance.web.practice.demo import load_demo_practice

    organisation = load_demo_practice()
    with django_capture_on_commit_callbacks(execute=True):
        stories = load_demo_measures(organisation)
    [code] = [c for c, story in stories.items() if story == "critical"]
    response = MeasureResponse.objects.get(
        session__episode__client__code=code, instrument_id="phq9", critical=True
    )
    assert response.critical_items == ["9"]
    assert AuditEntry.objects.filter(
        object_id=response.public_id, summary__startswith="critical answer: phq9 item 9"
    ).exists()
    assert Alert.objects.filter(episode=response.session.episode, type="critical").exists()
    recent = response.submitted_at >= timezone.now() - dt.timedelta(days=1)
    subjects = [m.subject for m in mail.outbox if code in m.subject]
    assert len(subjects) == (1 if recent and response.session.episode.practitioner.email else 0)


def test_the_practitioner_rating_takes_the_same_path(
    world, login, django_capture_on_commit_callbacks
):
    register_endpoint(
        world.admin, url="https://hooks.example.org/alliance", events=["response.received"]
    )
    session = _session(world, ago=dt.timedelta(hours=2))
    owner = login(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        page = owner.post(
            reverse("session_rate", kwargs={"session_id": session.public_id}),
            {f"alliance-check-practitioner-{k}": str(v) for k, v in ALLIANCE.items()},
        )
    assert page.status_code == 302, page.content.decode()[:500]
    response = MeasureResponse.objects.get(
        session=session, instrument_id="alliance-check-practitioner"
    )
    assert response.source == Source.PRACTITIONER and response.rater == Rater.PRACTITIONER
    assert AuditEntry.objects.filter(
        object_id=response.public_id, actor=world.owner, summary__contains="practitioner rating"
    ).exists()
    assert Delivery.objects.filter(payload__data__response_id=str(response.public_id)).exists()


def test_a_large_import_flags_every_critical_answer_in_one_batch_run(
    world, tmp_path, django_capture_on_commit_callbacks, settings
):
    from alliance.web.measures.recording import BATCH_REFRESH_EPISODES
    from tests.factories import make_client, make_episode

    sessions = []
    for _ in range(BATCH_REFRESH_EPISODES + 1):
        episode = make_episode(make_client(world.owner))
        sessions.append(
            practice.record_session(
                world.owner, episode, starts_at=timezone.now() - dt.timedelta(days=30)
            )
        )
    rows = [
        f"{s.episode.client.code},{s.number},phq9,{item},{value}"
        for s in sessions
        for item, value in PHQ9_CRITICAL.items()
    ]
    path = tmp_path / "responses.csv"
    path.write_text("client_code,session_number,instrument,item,value\n" + "\n".join(rows))
    with django_capture_on_commit_callbacks(execute=True):
        result = runner.invoke(
            app, ["import", "responses", str(path), "--organisation", world.org.slug]
        )
    assert result.exit_code == 0, result.output
    for session in sessions:
        _assert_flagged(MeasureResponse.objects.get(session=session, instrument_id="phq9"))
    assert not [m for m in mail.outbox if m.subject.startswith("Alliance: critical answer")]
