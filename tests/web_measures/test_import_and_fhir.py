"""Historical data in and out: CSV import (all-or-nothing, line-numbered errors, no duplicates) and FHIR."""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from alliance.cli import app
from alliance.interop.fhir import questionnaire_response, validate_resource
from alliance.web.measures.fhir import import_fhir, response_to_fhir
from alliance.web.measures.importing import import_responses
from alliance.web.measures.models import MeasureResponse
from tests.factories import make_session

runner = CliRunner()


def phq9_rows(code: str, session: int, values: list[int]) -> list[str]:
    return [f"{code},{session},phq9,{i},{v}" for i, v in enumerate(values, start=1)]


def write_csv(tmp_path, rows: list[str]):
    path = tmp_path / "responses.csv"
    path.write_text("client_code,session_number,instrument,item,value\n" + "\n".join(rows) + "\n")
    return path


def test_good_file_imports_and_rerun_creates_no_duplicates(world, tmp_path):
    make_session(world.episode, days_after_start=8)
    code = world.client.code
    path = write_csv(tmp_path, phq9_rows(code, 1, [1] * 9) + phq9_rows(code, 2, [2] * 8 + [0]))
    first = import_responses(path, world.org)
    assert (first.imported, first.created, first.errors) == (True, 2, [])
    second = import_responses(path, world.org)
    assert (second.created, second.already_present) == (0, 2)
    totals = sorted(
        MeasureResponse.objects.filter(instrument_id="phq9").values_list("total", flat=True)
    )
    assert totals == [9.0, 16.0]


def test_bad_rows_are_each_reported_and_nothing_is_imported(world, tmp_path):
    code = world.client.code
    rows = phq9_rows(code, 1, [1] * 9)
    rows[3] = f"{code},1,phq9,4,7"  # out of range, line 5
    rows += phq9_rows("NOBODY-1", 1, [0] * 9)  # unknown client, lines 11-19
    path = write_csv(tmp_path, rows)
    report = import_responses(path, world.org)
    assert not report.imported
    lines = {e.line for e in report.errors}
    assert 5 in lines and 11 in lines
    assert any("NOBODY-1" in e.reason for e in report.errors)
    assert not MeasureResponse.objects.filter(instrument_id="phq9").exists()
    skipped = import_responses(path, world.org, skip_invalid=True)
    assert skipped.imported and skipped.created == 0  # the only other administration had a bad row


def test_import_command_reports_lines_and_exits_nonzero(world, tmp_path):
    path = write_csv(tmp_path, phq9_rows(world.client.code, 1, [1] * 8 + [9]))
    result = runner.invoke(
        app, ["import", "responses", str(path), "--organisation", world.org.slug]
    )
    assert result.exit_code == 1
    assert f"{path}:10:" in result.output
    good = write_csv(tmp_path, phq9_rows(world.client.code, 1, [1] * 9))
    ok = runner.invoke(app, ["import", "responses", str(good), "--organisation", world.org.slug])
    assert ok.exit_code == 0, ok.output
    assert "1 responses imported" in ok.output


def test_fhir_download_is_a_valid_questionnaire_response(world, login):
    response = world.extras["own"]["response"]
    download = login(world.owner).get(
        reverse("response_fhir", kwargs={"response_id": response.public_id})
    )
    assert download["Content-Type"] == "application/fhir+json"
    resource = json.loads(download.content)
    validate_resource(resource)
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["subject"]["reference"] == f"Patient/{world.client.public_id}"
    assert (
        login(world.colleague)
        .get(reverse("response_fhir", kwargs={"response_id": response.public_id}))
        .status_code
        == 404
    )


def test_fhir_round_trip_into_another_session(world):
    session = make_session(world.episode, days_after_start=8)
    from alliance.web.measures.actions import record_response

    original = record_response(
        world.owner, session, "gad7", {str(i): 2.0 for i in range(1, 8)}, source="check"
    )
    resource = response_to_fhir(original)
    target = make_session(world.episode, days_after_start=15)
    resource["encounter"] = {"reference": f"Encounter/{target.public_id}"}
    created, present = import_fhir(json.dumps(resource), world.org)
    assert (created, present) == (1, 0)
    copy = MeasureResponse.objects.get(session=target, instrument_id="gad7")
    assert copy.total == original.total == 14.0
    assert import_fhir(json.dumps(resource), world.org) == (0, 1)


def test_fhir_import_refuses_a_session_of_another_organisation(world):
    resource = response_to_fhir(world.extras["foreign"]["response"])
    import pytest

    from alliance.interop.fhir import FhirError

    with pytest.raises(FhirError, match="no session"):
        import_fhir(json.dumps(resource), world.org)


def test_export_commands_print_valid_fhir(world):
    questionnaire = runner.invoke(app, ["export", "questionnaire", "phq9"])
    assert questionnaire.exit_code == 0
    resource = json.loads(questionnaire.output)
    validate_resource(resource)
    assert any(c.get("code") == "44249-1" for c in resource.get("code", []))
    assert runner.invoke(app, ["export", "questionnaire", "nope"]).exit_code == 2
    bundle = runner.invoke(
        app,
        ["export", "responses", "--organisation", world.org.slug, "--client", world.client.code],
    )
    assert bundle.exit_code == 0, bundle.output
    data = json.loads(bundle.output)
    assert data["resourceType"] == "Bundle" and len(data["entry"]) == 1


def said(result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def run_import(path, org, *options: str):
    return runner.invoke(
        app, ["import", "responses", str(path), "--organisation", org.slug, *options]
    )


def test_reimport_with_a_different_answer_is_a_bad_row_not_a_duplicate(world, tmp_path):
    make_session(world.episode, days_after_start=8)
    code = world.client.code
    first = write_csv(tmp_path, phq9_rows(code, 2, [1] * 8 + [0]))
    assert run_import(first, world.org).exit_code == 0
    again = run_import(first, world.org)  # the same answers: no duplicate, no complaint
    assert again.exit_code == 0, again.output
    assert "0 responses imported, 1 already present, 0 bad row(s) skipped." in said(again)
    changed = write_csv(tmp_path, phq9_rows(code, 2, [1] * 8 + [3]))
    refused = run_import(changed, world.org)
    assert refused.exit_code == 1
    message = f"{code} session 2 already has a different phq9 answer (item 9: 0 stored, 3 here)"
    assert f"{changed}:10: {message}" in said(refused)
    assert "Nothing imported: 1 bad row(s)." in said(refused)
    skipped = run_import(changed, world.org, "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert f"{changed}:10: {message}" in said(skipped)
    assert "0 responses imported, 0 already present, 1 bad row(s) skipped." in said(skipped)
    stored = MeasureResponse.objects.get(session__number=2, instrument_id="phq9")
    assert stored.answers["9"] == 0


def test_an_administration_with_no_value_at_all_is_refused(world, tmp_path):
    make_session(world.episode, days_after_start=8)
    code = world.client.code
    path = write_csv(tmp_path, [f"{code},2,phq9,9,"])
    result = run_import(path, world.org)
    assert result.exit_code == 1
    assert (
        f"{path}:2: phq9 for client '{code}' at session 2 has no answered item "
        "(every value is empty)"
    ) in said(result)
    assert not MeasureResponse.objects.filter(session__number=2).exists()
    # An empty value beside answered items is an unanswered item, as the format says.
    partial = write_csv(tmp_path, phq9_rows(code, 2, [1] * 8) + [f"{code},2,phq9,9,"])
    assert run_import(partial, world.org).exit_code == 0
    assert MeasureResponse.objects.get(session__number=2, instrument_id="phq9").answers["9"] is None


def test_a_session_date_that_is_not_the_numbered_sessions_date_is_refused(world, tmp_path):
    session = make_session(world.episode, days_after_start=8)
    day = timezone.localtime(session.starts_at).date()
    code = world.client.code
    path = tmp_path / "both.csv"
    header = "client_code,session_number,session_date,instrument,item,value\n"
    wrong = day + dt.timedelta(days=1)
    path.write_text(header + "".join(f"{code},2,{wrong},gad7,{i},1\n" for i in range(1, 8)))
    result = run_import(path, world.org)
    assert result.exit_code == 1
    assert (
        f"{path}:2: session_number 2 and session_date {wrong} disagree: session 2 of client "
        f"{code} is on {day}"
    ) in said(result)
    path.write_text(header + "".join(f"{code},2,{day},gad7,{i},1\n" for i in range(1, 8)))
    assert run_import(path, world.org).exit_code == 0


def test_an_unknown_client_is_named_as_such(world, tmp_path):
    path = write_csv(tmp_path, phq9_rows("XX-9999", 1, [0] * 9))
    result = run_import(path, world.org)
    assert result.exit_code == 1
    assert f"{path}:2: unknown client XX-9999" in said(result)
    assert "no session" not in said(result)


def test_a_huge_cell_is_cut_in_the_message(world, tmp_path):
    huge = "9" * 100_000
    path = write_csv(tmp_path, [f"{world.client.code},1,phq9,1,{huge}"])
    result = run_import(path, world.org)
    assert result.exit_code == 1
    assert f"{path}:2: value '{'9' * 40}…' is not a number" in said(result)
    assert len(result.output) < 1000


def test_fhir_reimport_with_a_different_answer_is_refused(world, tmp_path):
    session = make_session(world.episode, days_after_start=8)
    from alliance.web.measures.actions import record_response

    original = record_response(
        world.owner, session, "gad7", {str(i): 2.0 for i in range(1, 8)}, source="check"
    )
    resource = response_to_fhir(original)
    path = tmp_path / "gad7.json"
    path.write_text(json.dumps(resource))
    args = ["import", "fhir", str(path), "--organisation", world.org.slug]
    same = runner.invoke(app, args)
    assert same.exit_code == 0, same.output
    assert "0 responses imported, 1 already present." in said(same)
    answers = {str(i): 2.0 for i in range(1, 7)} | {"7": 3.0}
    resource = questionnaire_response(
        "gad7", answers, encounter=f"Encounter/{session.public_id}", response_id="r-7"
    )
    path.write_text(json.dumps(resource))
    changed = runner.invoke(app, args)
    assert changed.exit_code == 2
    assert (
        f"response 1 (r-7): {world.client.code} session 2 already has a "
        "different gad7 answer (item 7: 2 stored, 3 here); nothing imported"
    ) in said(changed)
