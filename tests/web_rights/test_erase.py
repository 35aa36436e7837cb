"""Erasure and anonymisation: every row handled, all or nothing, other clients untouched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models
from django.urls import reverse

from alliance.web.audit.models import AuditEntry
from alliance.web.crypto import EncryptedTextField
from alliance.web.journal.models import JournalEntry
from alliance.web.measures.actions import find_check
from alliance.web.practice.models import Client
from alliance.web.rights import registry
from alliance.web.rights.actions import ANONYMISE, ERASE, erase_client, is_anonymised
from tests.web_rights.conftest import SECRETS, build_full_client


def _rows(client) -> dict[str, set[int]]:
    return {
        model._meta.label_lower: set(registry.rows_of(model, client).values_list("pk", flat=True))
        for model in registry.related_models()
    }


def _others(world) -> dict:
    return {
        kind: _rows(client)
        for kind, client in (
            ("own", world.client),
            ("colleague", world.colleague_client),
            ("foreign", world.foreign_client),
        )
    }


def _model(label):
    return next(m for m in registry.related_models() if m._meta.label_lower == label)


def test_erase_removes_every_row_and_leaves_other_clients_alone(world, full):
    before = _rows(full.client)
    others = _others(world)
    code = full.client.code
    result = erase_client(world.owner, full.client, mode=ERASE)
    for label, pks in before.items():
        remaining = _model(label).objects.filter(pk__in=pks)
        if label == "journal.journalentry":
            # The practitioner's entry stays, without its link to the session.
            assert remaining.count() == 1
            assert remaining.get().session_id is None
            continue
        assert not remaining.exists(), f"{label} rows survived erasure"
    assert not Client.objects.filter(public_id=full.client.public_id).exists()
    assert _others(world) == others
    assert result.deleted["practice.session"] == 2
    entry = AuditEntry.objects.filter(action="delete").first()
    assert code in entry.summary and "session 2" in entry.summary
    assert entry.object_id is None
    for secret in SECRETS:
        assert secret not in entry.summary


def _set_trigger(enable: bool) -> None:
    """A real database failure in the middle of the erasure: the client row refuses deletion."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if enable:
                cursor.execute(
                    "CREATE TRIGGER rights_block BEFORE DELETE ON practice_client "
                    "BEGIN SELECT RAISE(ABORT, 'blocked by test'); END;"
                )
            else:
                cursor.execute("DROP TRIGGER rights_block")
        elif connection.vendor == "postgresql":
            if enable:
                cursor.execute(
                    "CREATE FUNCTION rights_block() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'blocked by test'; END; $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER rights_block BEFORE DELETE ON practice_client "
                    "FOR EACH ROW EXECUTE FUNCTION rights_block()"
                )
            else:
                cursor.execute("DROP TRIGGER rights_block ON practice_client")
                cursor.execute("DROP FUNCTION rights_block()")
        else:  # pragma: no cover
            pytest.skip(f"no trigger for {connection.vendor}")


def test_erasure_is_all_or_nothing(world, full):
    before = _rows(full.client)
    _set_trigger(True)
    try:
        with pytest.raises(DatabaseError):
            erase_client(world.owner, full.client, mode=ERASE)
    finally:
        _set_trigger(False)
    assert _rows(full.client) == before
    assert JournalEntry.objects.get(pk=full.journal_entry.pk).session_id is not None
    assert not AuditEntry.objects.filter(action="delete").exists()


def _text_values(obj) -> list[str]:
    values = []
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField | models.JSONField):
            values.append(str(getattr(obj, field.name)))
    return values


def test_anonymise_keeps_scores_and_removes_everything_identifying(world, full):
    client = full.client
    old_code = client.code
    old_ids = {
        label: set(_model(label).objects.filter(pk__in=pks).values_list("public_id", flat=True))
        for label, pks in _rows(client).items()
        if any(f.name == "public_id" for f in _model(label)._meta.fields)
    }
    scores = sorted(
        registry.rows_of(_model("measures.measureresponse"), client).values_list(
            "session__number", "instrument_id", "total"
        )
    )
    levels = list(registry.rows_of(_model("collaboration.goalrating"), client).values_list("level"))
    others = _others(world)
    erase_client(world.owner, client, mode=ANONYMISE)
    client.refresh_from_db()
    assert is_anonymised(client)
    assert client.code.startswith("ANON-") and client.code != old_code
    assert client.year_of_birth is None
    after = _rows(client)
    # Rows that are only words or access are gone.
    for label in (
        "transcripts.transcript",
        "transcripts.transcriptconsent",
        "collaboration.portalaccess",
        "collaboration.clientnote",
        "collaboration.task",
        "collaboration.shareddecision",
        "insights.alert",
        "intake.intakerequest",
        "journal.journalentry",
    ):
        assert not after[label], label
    assert JournalEntry.objects.get(pk=full.journal_entry.pk).session_id is None
    # The numbers stay.
    assert (
        sorted(
            registry.rows_of(_model("measures.measureresponse"), client).values_list(
                "session__number", "instrument_id", "total"
            )
        )
        == scores
    )
    assert (
        list(registry.rows_of(_model("collaboration.goalrating"), client).values_list("level"))
        == levels
    )
    # No free text, name, contact, old code or old id on any remaining row.
    remaining = 0
    for model in registry.related_models():
        for obj in registry.rows_of(model, client):
            remaining += 1
            for field in obj._meta.concrete_fields:
                value = getattr(obj, field.name)
                if isinstance(field, EncryptedTextField):
                    assert value in ("", None), f"{model._meta.label_lower}.{field.name}"
                if isinstance(field, models.DateField) and value is not None:
                    day = value.date() if isinstance(value, dt.datetime) else value
                    # Every date lies on the anonymous calendar that starts on 2000-01-01.
                    assert dt.date(2000, 1, 1) <= day < dt.date(2002, 1, 1), (
                        f"{model._meta.label_lower}.{field.name} = {value}"
                    )
                    if isinstance(value, dt.datetime):
                        assert (value.hour, value.minute, value.second) == (0, 0, 0)
                if field.name == "public_id":
                    assert value not in old_ids.get(model._meta.label_lower, set())
            for text in _text_values(obj):
                for secret in [*SECRETS, old_code]:
                    assert secret not in text, f"{secret!r} left in {model._meta.label_lower}"
    assert remaining > 10
    # Relative days are kept: the sessions were a week apart.
    first, second = registry.rows_of(_model("practice.session"), client).order_by("number")
    assert (second.starts_at - first.starts_at).days == 7
    assert first.starts_at.date() == dt.date(2000, 1, 8)  # session 1 was 7 days after the start
    assert find_check(full.check_token) is None
    assert _others(world) == others
    entry = AuditEntry.objects.filter(summary__contains="anonymised client").first()
    assert old_code in entry.summary and client.code not in entry.summary
    assert entry.object_id is None


def test_anonymise_needs_every_episode_ended(world):
    full = build_full_client(world, end=False)
    before = _rows(full.client)
    with pytest.raises(ValidationError, match="open episode"):
        erase_client(world.owner, full.client, mode=ANONYMISE)
    assert _rows(full.client) == before
    assert not is_anonymised(full.client)


def test_anonymise_twice_is_refused(world, full):
    erase_client(world.owner, full.client, mode=ANONYMISE)
    with pytest.raises(ValidationError, match="already anonymised"):
        erase_client(world.owner, full.client, mode=ANONYMISE)


def test_unknown_mode_is_refused(world, full):
    with pytest.raises(ValidationError, match="erase or anonymise"):
        erase_client(world.owner, full.client, mode="shred")


# --- the confirmation pages -----------------------------------------------------------------


def test_confirmation_lists_what_is_removed_and_kept(world, full, login):
    url = reverse("client_erase", kwargs={"client_id": full.client.public_id})
    body = login(world.owner).get(url).content.decode()
    for expected in ("Sessions", "Transcripts", "Responses", "removed", "dates shifted"):
        assert expected in body, expected
    assert "without note" in body  # sessions are kept without their notes when anonymised
    assert full.client.code in body


def test_wrong_code_changes_nothing(world, full, login):
    url = reverse("client_erase", kwargs={"client_id": full.client.public_id})
    before = _rows(full.client)
    response = login(world.owner).post(url, {"erase-mode": ERASE, "erase-confirm_code": "T-9999"})
    assert response.status_code == 200
    assert "nothing was changed" in response.content.decode()
    assert _rows(full.client) == before
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_practitioner_erases_with_the_right_code(world, full, login):
    url = reverse("client_erase", kwargs={"client_id": full.client.public_id})
    response = login(world.owner).post(
        url, {"erase-mode": ERASE, "erase-confirm_code": full.client.code}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("client_list")
    assert not Client.objects.filter(pk=full.client.pk).exists()


def test_open_episode_error_is_shown_on_the_form(world, login):
    full = build_full_client(world, end=False)
    url = reverse("client_erase", kwargs={"client_id": full.client.public_id})
    response = login(world.owner).post(
        url, {"erase-mode": ANONYMISE, "erase-confirm_code": full.client.code}
    )
    assert response.status_code == 200
    assert "End the client&#x27;s open episode first" in response.content.decode()


@pytest.mark.parametrize("persona", ["colleague", "supervisor", "admin", "researcher", "outsider"])
def test_others_cannot_reach_the_practitioners_erasure(world, full, login, persona):
    url = reverse("client_erase", kwargs={"client_id": full.client.public_id})
    client = login(world.personas()[persona])
    assert client.get(url).status_code == 404
    post = client.post(url, {"erase-mode": ERASE, "erase-confirm_code": full.client.code})
    assert post.status_code == 404
    assert Client.objects.filter(pk=full.client.pk).exists()


def test_admin_anonymises_by_code_and_sees_no_free_text(world, full, login):
    client = login(world.admin)
    page = client.get(reverse("client", kwargs={"client_id": full.client.public_id}))
    assert f"{reverse('data_requests')}?code={full.client.code}" in page.content.decode()
    url = f"{reverse('data_requests')}?code={full.client.code}"
    body = client.get(url).content.decode()
    assert "Anonymise" in body
    for secret in SECRETS:
        assert secret not in body
    response = client.post(
        url,
        {"code": full.client.code, "erase-mode": ANONYMISE, "erase-confirm_code": full.client.code},
    )
    assert response.status_code == 302
    full.client.refresh_from_db()
    assert is_anonymised(full.client)


def test_admin_of_another_practice_cannot_find_the_client(world, full, login):
    client = login(world.outsider_admin)
    url = f"{reverse('data_requests')}?code={full.client.code}"
    response = client.get(url)
    assert response.status_code == 200
    assert "No client with the code" in response.content.decode()
    client.post(url, {"erase-mode": ERASE, "erase-confirm_code": full.client.code})
    assert Client.objects.filter(pk=full.client.pk).exists()
