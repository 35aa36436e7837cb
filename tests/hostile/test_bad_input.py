"""Issue 13, item 8 and its siblings: each bad input gets a 4xx or a per-row error that says
what was wrong, never a 500 or a traceback, and nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from typer.testing import CliRunner

from alliance.cli import app
from alliance.web.api.actions import create_token
from alliance.web.audit.models import AuditEntry
from alliance.web.measures.models import MeasureResponse
from alliance.web.practice.models import Client, Session

runner = CliRunner()
V1 = "/api/v1"
DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a": ' * 5_000 + "1" + "}" * 5_000
DEEP_FHIR = (
    '{"resourceType": "QuestionnaireResponse", "status": "completed", "item": ' + DEEP_ARRAY + "}"
)
DEEP_BODIES = [DEEP_ARRAY, DEEP_OBJECT, DEEP_FHIR]


@pytest.fixture
def api(world):
    _token, secret = create_token(world.owner, world.owner, scopes=["write", "read"], days=1)
    http = HttpClient(raise_request_exception=False)

    def call(method, path, body=None, content_type="application/json", **params):
        headers = {"Authorization": f"Bearer {secret}"}
        if method == "get":
            return http.get(path, params, headers=headers)
        return getattr(http, method)(path, body, content_type=content_type, headers=headers)

    return call


def _written():
    return (
        Client.objects.count(),
        Session.objects.count(),
        MeasureResponse.objects.count(),
        AuditEntry.objects.filter(action="create").count(),
    )


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["array", "object", "fhir item"])
@pytest.mark.parametrize("content_type", ["application/fhir+json", "application/json"])
def test_deeply_nested_json_to_the_fhir_endpoint(api, body, content_type):
    before = _written()
    answer = api("post", f"{V1}/fhir/QuestionnaireResponse", body, content_type=content_type)
    assert answer.status_code == 400, answer.content[:300]
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "levels deep" in outcome["issue"][0]["diagnostics"]
    assert _written() == before


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["array", "object", "fhir item"])
def test_deeply_nested_json_to_the_json_api(api, world, body):
    before = _written()
    for method, path in [
        ("post", f"{V1}/clients"),
        ("post", f"{V1}/episodes/{world.episode.public_id}/sessions"),
        ("post", f"{V1}/episodes/{world.episode.public_id}/goals"),
    ]:
        answer = api(method, path, body)
        assert answer.status_code == 400, (path, answer.content[:300])
        [error] = answer.json()["errors"]
        assert "levels deep" in error["message"]
    assert _written() == before


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("null", "not null"),
        ("[]", "not an array"),
        ('[{"name": "A"}]', "not an array"),
        ('"client"', "not a string"),
        ("42", "not a number"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(api, world, body, named):
    before = _written()
    for method, path in [
        ("post", f"{V1}/clients"),
        ("post", f"{V1}/episodes/{world.episode.public_id}/sessions"),
        ("post", f"{V1}/episodes/{world.episode.public_id}/goals"),
    ]:
        answer = api(method, path, body)
        assert answer.status_code == 422, (path, answer.content[:300])
        [error] = answer.json()["errors"]
        assert error["message"] == f"The request body must be a JSON object, {named}."
    assert _written() == before


@pytest.mark.parametrize(
    "starts_at",
    [
        "9999-12-31T23:59:59-23:59",
        "9999-12-31T23:59:59+00:00",
        "0001-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00Z",
        "1899-12-31T10:00:00Z",
    ],
)
def test_a_session_time_out_of_range_is_refused(api, world, starts_at):
    before = _written()
    answer = api(
        "post", f"{V1}/episodes/{world.episode.public_id}/sessions", {"starts_at": starts_at}
    )
    assert answer.status_code == 422, answer.content[:300]
    [error] = answer.json()["errors"]
    assert error["field"] == "starts_at"
    assert "between 1900-01-01 and 2999-12-31" in error["message"]
    assert _written() == before


@pytest.mark.parametrize(
    ("payload_field", "path"),
    [("started_on", "clients/{client}/episodes"), ("changed_on", "episodes/{episode}/phase")],
)
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_an_episode_date_out_of_range_is_refused(api, world, payload_field, path, day):
    url = f"{V1}/" + path.format(client=world.client.public_id, episode=world.episode.public_id)
    body = {"service": "therapy", "to_phase": "assessment", payload_field: day}
    before = _written()
    answer = api("post", url, body)
    assert answer.status_code == 422, answer.content[:300]
    assert any("between 1900-01-01 and 2999-12-31" in e["message"] for e in answer.json()["errors"])
    assert _written() == before


@pytest.mark.parametrize("listing", ["sessions", "responses", "alerts"])
@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [("0001-01-01", "9999-12-31"), ("2020-01-01", "9999-12-31"), ("0001-01-01", "2020-01-01")],
)
def test_a_date_filter_out_of_range_is_refused(api, listing, date_from, date_to):
    answer = api("get", f"{V1}/{listing}", **{"from": date_from, "to": date_to})
    assert answer.status_code == 422, answer.content[:300]
    [error] = answer.json()["errors"]
    assert error["field"] in {"from", "to"}
    assert "between 1900-01-01 and 2999-12-31" in error["message"]


def test_the_widest_accepted_date_filter_answers(api, world):
    answer = api("get", f"{V1}/sessions", **{"from": "1900-01-01", "to": "2999-12-31"})
    assert answer.status_code == 200
    assert str(world.session.public_id) in {s["id"] for s in answer.json()["items"]}


# --- the command line -----------------------------------------------------------------


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["array", "object", "fhir item"])
def test_deeply_nested_json_to_import_fhir(world, tmp_path, body):
    path = tmp_path / "deep.json"
    path.write_text(body)
    before = _written()
    result = runner.invoke(app, ["import", "fhir", str(path), "--organisation", world.org.slug])
    assert result.exit_code == 2
    assert "levels deep" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _written() == before


@pytest.mark.parametrize("body", DEEP_BODIES, ids=["array", "object", "fhir item"])
def test_deeply_nested_json_to_score(body):
    result = runner.invoke(app, ["score", "phq9"], input=body)
    assert result.exit_code == 2
    assert "levels deep" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("value", ['{"1": [1]}', '{"1": {"a": 1}}', '{"1": "x"}', '{"1": true}'])
def test_score_refuses_answers_that_are_not_numbers(value):
    result = runner.invoke(app, ["score", "phq9"], input=value)
    assert result.exit_code == 2, result.output
    assert "item 1" in result.output or "'1'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# Python's parser reads NaN and Infinity, which JSON does not allow, turns 1e999 into infinity,
# and gives up on integers of more than 4,300 digits with a ValueError of its own.
NOT_NUMBERS = {
    "NaN": ("NaN", "NaN is not a JSON number"),
    "Infinity": ("-Infinity", "-Infinity is not a JSON number"),
    "1e999": ("1e999", "too large to read"),
    "5000 digits": ("9" * 5000, "too long to read"),
}


@pytest.mark.parametrize("name", list(NOT_NUMBERS))
def test_score_refuses_numbers_json_does_not_have(name):
    value, said = NOT_NUMBERS[name]
    result = runner.invoke(app, ["score", "phq9"], input='{"1": ' + value + "}")
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.output.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("name", list(NOT_NUMBERS))
def test_the_fhir_endpoint_refuses_numbers_json_does_not_have(api, name):
    value, said = NOT_NUMBERS[name]
    body = (
        '{"resourceType": "QuestionnaireResponse", "status": "completed", '
        '"item": [{"linkId": "1", "answer": [{"valueInteger": ' + value + "}]}]}"
    )
    before = _written()
    answer = api("post", f"{V1}/fhir/QuestionnaireResponse", body, "application/fhir+json")
    assert answer.status_code == 400, answer.content[:300]
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert said in outcome["issue"][0]["diagnostics"]
    assert _written() == before


def _import(world, tmp_path, text, *extra):
    path = tmp_path / "responses.csv"
    path.write_text(text)
    return runner.invoke(
        app, ["import", "responses", str(path), "--organisation", world.org.slug, *extra]
    )


@pytest.mark.parametrize("extra", [[], ["--skip-invalid"]])
def test_a_csv_field_over_the_limit_is_a_clear_error(world, tmp_path, extra):
    code = world.client.code
    huge = "x" * 131_073
    text = (
        "client_code,session_number,instrument,item,value\n"
        + "".join(f"{code},1,phq9,{i},1\n" for i in range(1, 9))
        + f'{code},1,phq9,9,"{huge}"\n'
    )
    before = _written()
    result = _import(world, tmp_path, text, *extra)
    assert result.exit_code == 2, result.output[-500:]
    said = " ".join(result.output.split())  # the console wraps long lines at its width
    assert ":10:" in said or "line 10" in said
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "131,072" in said
    assert _written() == before


@pytest.mark.parametrize("day", ["0000-01-01", "0001-01-01", "9999-12-31", "2025-02-30"])
@pytest.mark.parametrize("extra", [[], ["--skip-invalid"]])
def test_an_impossible_session_date_is_a_per_row_error(world, tmp_path, day, extra):
    code = world.client.code
    text = "client_code,session_date,instrument,item,value\n" + "".join(
        f"{code},{day},phq9,{i},1\n" for i in range(1, 10)
    )
    before = _written()
    result = _import(world, tmp_path, text, *extra)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert f"{day}" in result.output and ":2:" in result.output
    assert _written()[:3] == before[:3]
    if not extra:
        assert result.exit_code == 1
