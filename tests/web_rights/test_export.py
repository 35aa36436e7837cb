"""Export of everything held about a client: complete, decrypted, only theirs, FHIR-valid, audited."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from alliance.cli import app
from alliance.web.audit.models import AuditEntry
from alliance.web.practice.models import Client
from alliance.web.rights import registry
from alliance.web.rights.export import build_client_export, export_filename
from tests.web_rights.conftest import SECRETS

runner = CliRunner()

OTHER_CLIENTS_SECRETS = [
    "owner-note-secret",
    "owner-referral-secret",
    "Owner Clientname",
    "colleague-note-secret",
    "Colleague Clientname",
    "foreign-note-secret",
    "Foreign Clientname",
    "FOREIGN-1",
]


def _text(document) -> str:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False)


def test_every_model_with_a_path_to_a_client_is_classified():
    assert registry.problems() == []


def test_a_new_unhandled_field_is_reported():
    rules = dict(registry.ANONYMISE["practice.client"])
    del rules["name"]
    rules["nickname"] = registry.BLANK
    found = registry.field_problems(Client, rules)
    assert any("practice.client.name: no anonymisation rule" in p for p in found)
    assert any("practice.client.nickname: rule for a field that does not exist" in p for p in found)


def test_discovery_follows_foreign_keys_through_episodes_and_sessions():
    paths = registry.client_paths()
    assert paths["practice.client"] == ""
    assert paths["measures.measureresponse"] == "session__episode__client"
    assert paths["collaboration.goalrating"] == "goal__episode__client"
    assert paths["journal.journalentry"] == "session__episode__client"


def test_export_holds_every_related_record(world, full):
    document = build_client_export(world.owner, full.client)
    for model in registry.related_models():
        label = model._meta.label_lower
        count = registry.rows_of(model, full.client).count()
        if label in registry.EXPORT_EXCLUDED:
            [entry] = [e for e in document["excluded"] if e["model"] == label]
            assert entry["count"] == count == 1
            assert entry["reason"]
            continue
        section = registry.EXPORT_SECTIONS[label]
        if section == "client":
            assert document["client"]["public_id"] == str(full.client.public_id)
            continue
        assert len(document[section]) == count, label
        # The fixture holds one of everything (the anonymisation mark only after anonymising).
        if label != "rights.anonymisedclient":
            assert count >= 1, f"the full client has no {label}"
        if any(f.name == "public_id" for f in model._meta.fields):
            rows = registry.rows_of(model, full.client).values_list("public_id", flat=True)
            assert {row["public_id"] for row in document[section]} == {str(i) for i in rows}


def test_export_decrypts_free_text_and_leaves_out_secrets(world, full):
    document = build_client_export(world.owner, full.client)
    assert document["client"]["name"] == "Full Clientname"
    assert document["client"]["email"] == "full@example.org"
    assert {s["note"] for s in document["sessions"]} == {"full-note-secret-1", "full-note-secret-2"}
    assert document["episodes"][0]["referral_reason"] == "full-referral-secret"
    assert document["goals"][0]["title"] == "full-goal-secret"
    assert document["client_notes"][0]["text"] == "full-clientnote-secret"
    assert "full-transcript-secret" in _text(document["transcripts"][0]["analysis"])
    assert document["intake_requests"][0]["help_with"] == "full-intake-secret"
    assert len(document["research_consents"]) == 2  # given, then withdrawn: the history
    response = next(r for r in document["responses"] if r["instrument_id"] == "phq9")
    assert response["total"] == 12 and response["answers"]
    text = _text(document)
    for secret in SECRETS:
        assert secret in text, secret
    # Links and PINs are never handed out, not even their hashes.
    assert full.check_token not in text
    assert full.portal_token not in text
    for row in document["checks"]:
        assert "token" not in row and "token_hash" not in row
    for row in document["portal_access"]:
        assert not {"token", "token_hash", "pin_hash"} & set(row)
    # The practitioner's own journal is left out, with the reason.
    assert "my own reflection" not in text


def test_export_holds_no_other_clients_data(world, full):
    text = _text(build_client_export(world.owner, full.client))
    for secret in OTHER_CLIENTS_SECRETS:
        assert secret not in text
    for other in (world.client, world.colleague_client, world.foreign_client):
        assert str(other.public_id) not in text
    assert str(world.session.public_id) not in text


def test_export_fhir_bundle_validates(world, full):
    document = build_client_export(world.owner, full.client)
    bundle = document["fhir"]
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[0] == "Patient"
    patient = bundle["entry"][0]["resource"]
    assert patient["id"] == str(full.client.public_id)
    assert "name" not in patient and "telecom" not in patient  # pseudonymous
    responses = [e["resource"] for e in bundle["entry"][1:]]
    assert len(responses) == len(document["responses"]) == 2
    for resource in responses:
        assert resource["resourceType"] == "QuestionnaireResponse"
        assert resource["subject"]["reference"] == f"Patient/{full.client.public_id}"
    assert document["fhir_skipped"] == []


def test_export_is_audited(world, full):
    build_client_export(world.owner, full.client)
    entry = AuditEntry.objects.filter(action="export", object_id=full.client.public_id).first()
    assert entry is not None
    assert entry.actor == world.owner
    assert full.client.code in entry.summary
    assert "Full Clientname" not in entry.summary


def test_download_from_the_client_page(world, full, login):
    client = login(world.owner)
    page = client.get(reverse("client", kwargs={"client_id": full.client.public_id}))
    url = reverse("client_export", kwargs={"client_id": full.client.public_id})
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert full.client.code in disposition
    assert timezone.localdate().isoformat() in disposition
    assert export_filename(full.client) in disposition
    assert response["Cache-Control"] == "no-store"
    document = json.loads(response.content)
    assert document["client"]["name"] == "Full Clientname"
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("persona", ["colleague", "supervisor", "admin", "researcher", "outsider"])
def test_only_the_treating_practitioner_downloads(world, full, login, persona):
    client = login(world.personas()[persona])
    url = reverse("client_export", kwargs={"client_id": full.client.public_id})
    assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_cli_export_client_writes_the_file(world, full, tmp_path):
    out = tmp_path / "export.json"
    result = runner.invoke(
        app,
        [
            "export-client",
            "--organisation",
            world.org.slug,
            "--client",
            full.client.code,
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["client"]["code"] == full.client.code
    assert document["exported_by"] == "(command line)"
    assert AuditEntry.objects.filter(action="export", actor=None).exists()


def test_cli_export_client_to_stdout(world, full):
    result = runner.invoke(
        app, ["export-client", "--organisation", world.org.slug, "--client", full.client.code]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["client"]["name"] == "Full Clientname"


def test_cli_export_client_refuses_unknown_names(world, tmp_path):
    result = runner.invoke(app, ["export-client", "--organisation", "nope", "--client", "T-1"])
    assert result.exit_code == 2
    assert "No organisation with the slug 'nope'" in result.output
    result = runner.invoke(
        app, ["export-client", "--organisation", world.org.slug, "--client", "FOREIGN-1"]
    )
    assert result.exit_code == 2
    assert "No client with the code 'FOREIGN-1'" in result.output
    missing = tmp_path / "no-such-folder" / "x.json"
    result = runner.invoke(
        app,
        [
            "export-client",
            "--organisation",
            world.org.slug,
            "--client",
            world.client.code,
            "--output",
            str(missing),
        ],
    )
    assert result.exit_code == 2
    assert not AuditEntry.objects.filter(action="export").exists()
    assert apps.get_model("practice", "Client").objects.filter(pk=world.client.pk).exists()
