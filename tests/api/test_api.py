"""Endpoints, tokens, scopes, idempotency, pagination, filters and hostile input of /api/v1/."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from alliance.web.api.actions import create_token, revoke_token
from alliance.web.api.models import ApiToken
from alliance.web.audit.models import AuditEntry
from alliance.web.practice.models import Client, Session
from tests.factories import make_session

V1 = "/api/v1"


def test_schema_and_docs_are_served(client):
    schema = client.get(f"{V1}/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = client.get(f"{V1}/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()


def test_clients_episodes_sessions_round_trip(world, api_for):
    api = api_for(world.owner)
    created = api.post(f"{V1}/clients", {"name": "Api Person", "year_of_birth": 1990})
    assert created.status_code == 201, created.content
    client_id = created.json()["id"]
    assert created.json()["name"] == "Api Person"
    assert api.get(f"{V1}/clients/{client_id}").json()["code"] == created.json()["code"]
    episode = api.post(
        f"{V1}/clients/{client_id}/episodes",
        {"service": "coaching", "started_on": "2025-01-06", "referral_reason": "api-secret"},
    )
    assert episode.status_code == 201, episode.content
    episode_id = episode.json()["id"]
    moved = api.post(
        f"{V1}/episodes/{episode_id}/phase", {"to_phase": "assessment", "changed_on": "2025-01-10"}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["phase"] == "assessment"
    assert [c["to_phase"] for c in moved.json()["phase_changes"]] == ["engagement", "assessment"]
    session = api.post(
        f"{V1}/episodes/{episode_id}/sessions",
        {"starts_at": "2025-01-13T10:00:00+01:00", "note": "went well"},
    )
    assert session.status_code == 201, session.content
    assert session.json()["number"] == 1 and session.json()["phase"] == "assessment"
    got = api.get(f"{V1}/sessions/{session.json()['id']}").json()
    assert got["note"] == "went well"
    listed = api.get(f"{V1}/sessions", {"episode": episode_id}).json()
    assert [s["id"] for s in listed["items"]] == [session.json()["id"]]
    assert AuditEntry.objects.filter(object_id=client_id).exists()


def test_the_api_refuses_what_the_web_forms_refuse(world, api_for):
    api = api_for(world.owner)
    clients_before = Client.objects.count()
    bad_email = api.post(f"{V1}/clients", {"name": "x", "email": "not-an-email"})
    assert bad_email.status_code == 422
    assert bad_email.json()["errors"][0]["field"] == "email"
    assert "valid e-mail" in bad_email.json()["errors"][0]["message"]
    too_old = api.post(f"{V1}/clients", {"name": "x", "year_of_birth": 1850})
    assert too_old.status_code == 422 and too_old.json()["errors"][0]["field"] == "year_of_birth"
    assert Client.objects.count() == clients_before
    sessions_before = Session.objects.count()
    for minutes in (1, 600):
        refused = api.post(
            f"{V1}/episodes/{world.episode.public_id}/sessions",
            {"starts_at": "2030-01-01T10:00:00+00:00", "duration_minutes": minutes},
        )
        assert refused.status_code == 422, refused.content
        assert refused.json()["errors"][0]["field"] == "duration_minutes"
    assert Session.objects.count() == sessions_before


def test_a_malformed_id_is_not_found_like_a_foreign_one(world, api_for):
    api = api_for(world.owner)
    for path in ("/sessions/not-a-uuid", "/clients/123", "/episodes/x"):
        got = api.get(f"{V1}{path}")
        assert got.status_code == 404, (path, got.content)
        assert got.json()["errors"][0]["message"] == "Not found, or not visible to you."
    foreign = api.get(f"{V1}/clients/{world.foreign_client.public_id}")
    assert foreign.status_code == 404 and foreign.json() == got.json()


def test_validation_errors_name_the_field(world, api_for):
    api = api_for(world.owner)
    before = Session.objects.count()
    early = api.post(
        f"{V1}/episodes/{world.episode.public_id}/sessions",
        {"starts_at": "1999-01-01T10:00:00+00:00"},
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "starts_at"
    missing = api.post(f"{V1}/episodes/{world.episode.public_id}/sessions", {})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "starts_at"
    malformed = api.post(f"{V1}/episodes/{world.episode.public_id}/sessions", raw="{not json")
    assert malformed.status_code == 400
    assert "malformed json" in malformed.json()["errors"][0]["message"].lower()
    assert Session.objects.count() == before


def test_checks_responses_alerts_goals(world, api_for):
    from tests.web_insights.matrix import url_arguments as alert_args

    api = api_for(world.owner)
    check = api.post(f"{V1}/sessions/{world.session.public_id}/checks")
    assert check.status_code in (200, 201), check.content
    assert "/c/" in check.json()["url"]
    assert api.get(f"{V1}/checks/{check.json()['id']}").json()["url"] == check.json()["url"]
    responses = api.get(f"{V1}/responses", {"episode": world.episode.public_id}).json()
    assert responses["items"], responses
    item = responses["items"][0]
    assert {"total", "band", "subscales", "change"} <= set(item)
    one = api.get(f"{V1}/responses/{item['id']}")
    assert one.status_code == 200 and one.json()["total"] == item["total"]

    alert_id = alert_args(world, "own")["alert_id"]
    assert api.get(f"{V1}/alerts").json()["items"][0]["id"] == str(alert_id)
    ack = api.post(f"{V1}/alerts/{alert_id}/acknowledge")
    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    no_note = api.post(f"{V1}/alerts/{alert_id}/resolve", {"note": "  "})
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    resolved = api.post(f"{V1}/alerts/{alert_id}/resolve", {"note": "talked it through"})
    assert resolved.status_code == 200
    assert resolved.json()["state"] == "resolved"
    assert resolved.json()["resolved_note"] == "talked it through"

    goal = api.post(f"{V1}/episodes/{world.episode.public_id}/goals", {"title": "Sleep better"})
    assert goal.status_code == 201, goal.content
    assert api.get(f"{V1}/goals/{goal.json()['id']}").json()["title"] == "Sleep better"
    goals = api.get(f"{V1}/episodes/{world.episode.public_id}/goals").json()
    assert [g["id"] for g in goals["items"]] == [goal.json()["id"]]


def test_admin_never_gets_clinical_text(world, api_for):
    api = api_for(world.admin)
    body = api.get(f"{V1}/sessions/{world.session.public_id}").json()
    assert body["note"] is None
    client = api.get(f"{V1}/clients/{world.client.public_id}").json()
    assert client["name"] is None
    episode = api.get(f"{V1}/episodes/{world.episode.public_id}").json()
    assert episode["referral_reason"] is None
    listing = api.get(f"{V1}/sessions").content.decode()
    assert "owner-note-secret" not in listing and "colleague-note-secret" not in listing


# --- tokens ----------------------------------------------------------------------------


def test_scopes(world, api_for):
    reader = api_for(world.owner, scopes=["read"])
    assert reader.get(f"{V1}/clients").status_code == 200
    denied = reader.post(f"{V1}/clients", {"name": "x"})
    assert denied.status_code == 403
    assert "clients:write" in denied.json()["errors"][0]["message"]
    sessions_only = api_for(world.owner, scopes=["sessions:read"])
    assert sessions_only.get(f"{V1}/sessions").status_code == 200
    assert sessions_only.get(f"{V1}/alerts").status_code == 403
    assert Client.objects.filter(name="x").count() == 0


def test_missing_bad_expired_revoked_tokens_get_401(world, api_for):
    from tests.api.conftest import Api

    assert Api(None).get(f"{V1}/clients").status_code == 401
    assert Api("alt_nope_nope").get(f"{V1}/clients").status_code == 401
    token, secret = create_token(world.owner, world.owner, scopes=["read"], days=1)
    assert Api(secret).get(f"{V1}/clients").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    expired = Api(secret).get(f"{V1}/clients")
    assert expired.status_code == 401 and "expired" in expired.json()["errors"][0]["message"]
    token2, secret2 = create_token(world.owner, world.owner, scopes=["read"], days=1)
    revoke_token(world.owner, token2)
    revoked = Api(secret2).get(f"{V1}/clients")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["errors"][0]["message"]


def test_web_session_is_not_enough(world, login):
    client = login(world.owner)
    assert client.get(f"{V1}/clients").status_code == 401


def test_token_is_hashed_at_rest(world, django_db_blocker):
    from django.db import connection

    _token, secret = create_token(world.owner, world.owner, scopes=["read"], days=10)
    with connection.cursor() as cursor:
        for model in (ApiToken, AuditEntry):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608
            for row in cursor.fetchall():
                assert not any(secret in str(v) for v in row)
                assert not any(secret.split("_", 2)[2] in str(v) for v in row)


def test_token_rules(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="365"):
        create_token(world.owner, world.owner, scopes=["read"], days=400)
    with pytest.raises(ValidationError, match="Unknown scope"):
        create_token(world.owner, world.owner, scopes=["everything"], days=4)
    with pytest.raises(ValidationError):
        create_token(world.owner, world.colleague, scopes=["read"], days=4)
    with pytest.raises(ValidationError):
        create_token(world.owner, world.colleague, scopes=["read"], days=4, kind="service")
    token, _ = create_token(world.admin, world.colleague, scopes=["read"], days=4, kind="service")
    assert token.user == world.colleague


def test_token_pages(world, login):
    page = login(world.owner)
    created = page.post("/api/tokens/", {"name": "ci", "scopes": ["read"], "days": 30})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=world.owner, name="ci")
    body = created.content.decode()
    assert f"alt_{token.prefix}_" in body
    again = page.get("/api/tokens/").content.decode()
    assert f"alt_{token.prefix}_" not in again and token.prefix in again
    no_expiry = page.post("/api/tokens/", {"name": "x", "scopes": ["read"], "days": ""})
    assert no_expiry.status_code == 200 and not ApiToken.objects.filter(name="x").exists()
    # An admin sees and revokes every token of the organisation; a colleague none of others'.
    assert token.prefix not in login(world.colleague).get("/api/tokens/").content.decode()
    assert (
        login(world.colleague).post("/api/tokens/", {"revoke": token.public_id}).status_code == 404
    )
    admin = login(world.admin)
    assert token.prefix in admin.get("/api/tokens/").content.decode()
    assert admin.post("/api/tokens/", {"revoke": token.public_id}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cli_commands(world):
    from typer.testing import CliRunner

    from alliance.cli import app

    runner = CliRunner()

    def create(*scopes, service=True):
        flags = [arg for scope in scopes for arg in ("--scope", scope)]
        return runner.invoke(
            app,
            ["api-token", "create", world.owner.username, *flags, "--days", "90"]
            + (["--service"] if service else []),
        )

    # A service token carries no clinical text and no clinical writes, whoever creates it:
    # the command line is no way around that.
    refused = create("read", "sessions:write")
    assert refused.exit_code == 2
    assert "sessions:write is not allowed" in " ".join(refused.output.split())
    assert not ApiToken.objects.filter(user=world.owner).exists()
    made = create("read", "responses:read")
    assert made.exit_code == 0, made.output
    token = ApiToken.objects.get(user=world.owner, kind="service")
    assert token.scopes == ["read", "responses:read"]
    assert token.created_by is None and token.is_delegated
    assert not token.allows("sessions:write") and token.allows("responses:read")
    # A personal token made at the command line acts as its user with the scopes given.
    personal = create("read", "sessions:write", service=False)
    assert personal.exit_code == 0, personal.output
    own = ApiToken.objects.get(user=world.owner, kind="personal")
    assert own.allows("sessions:write") and not own.is_delegated
    # Standard output is the secret alone (TOKEN=$(alliance api-token create ...)); the line
    # that describes it goes to standard error.
    (secret,) = personal.stdout.splitlines()
    assert secret.startswith(f"alt_{own.prefix}")
    assert f"Token {own.prefix}" in personal.stderr
    listed = runner.invoke(app, ["api-token", "list", "--organisation", world.org.slug])
    assert token.prefix in listed.output
    assert runner.invoke(app, ["api-token", "revoke", token.prefix]).exit_code == 0
    token.refresh_from_db()
    assert token.revoked_at is not None
    bad = runner.invoke(app, ["api-token", "create", world.owner.username, "--scope", "nope"])
    assert bad.exit_code == 2


# --- idempotency, pagination, filters, hostile input -----------------------------------


def test_idempotent_retry_creates_one_row(world, api_for):
    api = api_for(world.owner)
    url = f"{V1}/episodes/{world.episode.public_id}/sessions"
    body = {"starts_at": "2030-01-01T10:00:00+00:00"}
    first = api.post(url, body, headers={"Idempotency-Key": "k1"})
    second = api.post(url, body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Session.objects.filter(episode=world.episode).count() == 2
    other = api.post(url, {**body, "duration_minutes": 30}, headers={"Idempotency-Key": "k1"})
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # Keys are per token: another token of the same user creates anew.
    assert (
        api_for(world.owner).post(url, body, headers={"Idempotency-Key": "k1"}).status_code == 201
    )


# Racing retries with one key through the real server: tests/proof/test_idempotency_live.py.


def test_pagination_walks_every_row_once(world, api_for):
    for day in range(2, 14):
        make_session(world.episode, days_after_start=day)
    api = api_for(world.owner)
    seen, cursor = [], None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"{V1}/sessions", params).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    expected = {str(s.public_id) for s in Session.objects.filter(episode=world.episode)}
    assert len(seen) == len(set(seen)) == len(expected) and set(seen) == expected
    assert api.get(f"{V1}/sessions", {"cursor": "forged"}).status_code == 422


def test_date_and_episode_filters(world, api_for):
    api = api_for(world.owner)
    day = timezone.localtime(world.session.starts_at).date()
    hit = api.get(f"{V1}/sessions", {"from": day.isoformat(), "to": day.isoformat()}).json()
    assert [s["id"] for s in hit["items"]] == [str(world.session.public_id)]
    later = (day + dt.timedelta(days=1)).isoformat()
    assert api.get(f"{V1}/sessions", {"from": later}).json()["items"] == []
    swapped = api.get(f"{V1}/sessions", {"from": later, "to": day.isoformat()})
    assert swapped.status_code == 422
    foreign = api.get(f"{V1}/sessions", {"episode": world.foreign_episode.public_id}).json()
    assert foreign["items"] == []


HOSTILE = ["' OR 1=1 --", "1; DROP TABLE practice_session; --", "ünïcødé ✓ \u202e", "x" * 5000]
FILTERS = {
    "/clients": ["cursor", "limit"],
    "/episodes": ["client", "cursor", "limit"],
    "/sessions": ["episode", "from", "to", "cursor", "limit"],
    "/responses": ["episode", "instrument", "from", "to", "cursor", "limit"],
    "/alerts": ["episode", "state", "from", "to", "cursor", "limit"],
    "/fhir/Questionnaire": ["name"],
    "/fhir/QuestionnaireResponse": ["patient", "episode", "encounter", "_count"],
}


def test_hostile_query_strings_never_5xx(world, api_for):
    api = api_for(world.owner)
    counts = (Client.objects.count(), Session.objects.count())
    for path, params in FILTERS.items():
        for param in params:
            for value in HOSTILE:
                response = api.get(f"{V1}{path}", {param: value})
                assert response.status_code < 500, (path, param, value)
                if response.status_code == 200:
                    data = response.json()
                    items = data.get("items", data.get("entry", []))
                    assert param in {"name", "instrument"} and items == [] or param == "name"
    for value in HOSTILE:
        assert api.get(f"{V1}/clients/{value[:200]}").status_code in (404, 422)
    assert (Client.objects.count(), Session.objects.count()) == counts


# --- FHIR ------------------------------------------------------------------------------


def test_fhir_questionnaire_read_and_search(world, api_for):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.questionnaire import Questionnaire

    api = api_for(world.owner, scopes=["fhir:read"])
    one = api.get(f"{V1}/fhir/Questionnaire/phq9")
    assert one.status_code == 200 and one["Content-Type"] == "application/fhir+json"
    Questionnaire.model_validate(one.json())
    everything = api.get(f"{V1}/fhir/Questionnaire").json()
    Bundle.model_validate(everything)
    assert everything["type"] == "searchset" and everything["total"] > 3
    found = api.get(f"{V1}/fhir/Questionnaire", {"name": "phq"}).json()
    assert {e["resource"]["id"] for e in found["entry"]} == {"phq9"}
    missing = api.get(f"{V1}/fhir/Questionnaire/nope")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"


def test_fhir_questionnaire_response_round_trip(world, api_for):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    from alliance.interop.fhir import questionnaire_response
    from alliance.web.measures.models import MeasureResponse

    session = make_session(world.episode, days_after_start=3)
    resource = questionnaire_response(
        "phq9",
        {str(i): 1 for i in range(1, 10)},
        authored=timezone.now(),
        encounter=f"Encounter/{session.public_id}",
    )
    api = api_for(world.owner, scopes=["fhir:read", "fhir:write"])
    created = api.post(
        f"{V1}/fhir/QuestionnaireResponse", resource, content_type="application/fhir+json"
    )
    assert created.status_code == 201, created.content
    assert created["Content-Type"] == "application/fhir+json"
    QuestionnaireResponse.model_validate(created.json())
    stored = MeasureResponse.objects.get(session=session, instrument_id="phq9")
    assert stored.total == 9 and stored.source == "fhir" and stored.scored
    read = api.get(created["Location"].split("testserver")[-1])
    assert read.status_code == 200 and read.json()["id"] == str(stored.public_id)
    search = api.get(f"{V1}/fhir/QuestionnaireResponse", {"encounter": session.public_id}).json()
    Bundle.model_validate(search)
    assert [e["resource"]["id"] for e in search["entry"]] == [str(stored.public_id)]
    by_patient = api.get(f"{V1}/fhir/QuestionnaireResponse", {"patient": world.client.public_id})
    assert str(stored.public_id) in by_patient.content.decode()
    again = api.post(
        f"{V1}/fhir/QuestionnaireResponse", resource, content_type="application/fhir+json"
    )
    assert again.status_code == 409
    # Someone else's session: 404, nothing stored.
    foreign = dict(
        resource, encounter={"reference": f"Encounter/{world.foreign_session.public_id}"}
    )
    assert (
        api.post(
            f"{V1}/fhir/QuestionnaireResponse", foreign, content_type="application/fhir+json"
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{broken", 400),
        (json.dumps({"resourceType": "Patient"}), 422),
        (json.dumps({"resourceType": "QuestionnaireResponse", "status": "bogus"}), 422),
        (
            json.dumps(
                {
                    "resourceType": "QuestionnaireResponse",
                    "status": "completed",
                    "questionnaire": "urn:alliance:questionnaire:phq9",
                    "item": [{"linkId": "1", "answer": [{"valueInteger": 99}]}],
                }
            ),
            422,
        ),
    ],
)
def test_malformed_fhir_is_refused(world, api_for, raw, status):
    from alliance.web.measures.models import MeasureResponse

    api = api_for(world.owner)
    before = MeasureResponse.objects.count()
    response = api.post(
        f"{V1}/fhir/QuestionnaireResponse", raw=raw, content_type="application/fhir+json"
    )
    assert response.status_code == status, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["diagnostics"]
    assert MeasureResponse.objects.count() == before
    wrong_type = api.post(f"{V1}/fhir/QuestionnaireResponse", raw=raw, content_type="text/plain")
    assert wrong_type.status_code == 415


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"status": "in-progress"}, "status 'in-progress' is not stored"),
        ({"status": "stopped"}, "status 'stopped' is not stored"),
        ({"subject": "Patient/00000000-0000-0000-0000-000000000000"}, "is not the client"),
        ({"authored": "1066-10-14T09:00:00+00:00"}, "outside 1900 to tomorrow"),
        ({"authored": "2999-01-01T09:00:00+00:00"}, "outside 1900 to tomorrow"),
    ],
    ids=["in progress", "stopped", "another client", "long ago", "far ahead"],
)
def test_a_response_that_cannot_be_this_sessions_is_refused_on_every_path(
    world, api_for, tmp_path, change, said
):
    """The FHIR API and `alliance import fhir` refuse the same responses, with the same words,
    before the duplicate check: a second post of a bad response is still a 422, not a 409."""
    from typer.testing import CliRunner

    from alliance.cli import app
    from alliance.interop.fhir import questionnaire_response
    from alliance.web.measures.models import MeasureResponse

    session = make_session(world.episode, days_after_start=3)
    resource = questionnaire_response(
        "phq9",
        {str(i): 1 for i in range(1, 10)},
        authored=timezone.now(),
        subject=f"Patient/{world.client.public_id}",
        encounter=f"Encounter/{session.public_id}",
    )
    api = api_for(world.owner, scopes=["fhir:write"])
    good = api.post(
        f"{V1}/fhir/QuestionnaireResponse", resource, content_type="application/fhir+json"
    )
    assert good.status_code == 201, good.content  # the right client and a time of today
    MeasureResponse.objects.filter(session=session).delete()
    bad = resource | {key: value for key, value in change.items() if key != "subject"}
    if "subject" in change:
        bad["subject"] = {"reference": change["subject"]}
    for _ in range(2):
        answer = api.post(
            f"{V1}/fhir/QuestionnaireResponse", bad, content_type="application/fhir+json"
        )
        assert answer.status_code == 422, answer.content
        assert said in answer.json()["issue"][0]["diagnostics"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    imported = CliRunner().invoke(
        app, ["import", "fhir", str(path), "--organisation", world.org.slug]
    )
    assert imported.exit_code == 2, imported.output
    assert said in " ".join(imported.output.split())
    assert not MeasureResponse.objects.filter(session=session).exists()


def test_the_daily_retention_run_removes_idempotency_records_older_than_a_day(world):
    import datetime as dt

    from django.utils import timezone
    from typer.testing import CliRunner

    from alliance.cli import app
    from alliance.web.api.models import IdempotencyRecord

    token, _secret = create_token(world.owner, world.owner, scopes=["write"], days=1)
    old = IdempotencyRecord.objects.create(token=token, key="old", request_hash="x" * 64)
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    fresh = IdempotencyRecord.objects.create(token=token, key="fresh", request_hash="y" * 64)
    result = CliRunner().invoke(app, ["apply-retention"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 expired API idempotency record(s)." in result.output
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]
