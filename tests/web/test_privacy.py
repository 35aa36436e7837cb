"""Encryption at rest, the audit log, and what each role is shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from alliance.web import crypto
from alliance.web.audit.models import AppendOnlyError, AuditEntry
from alliance.web.keyrotation import rotate_all
from alliance.web.practice.access import (
    can_read_clinical_text,
    client_for_user,
    clients_for_user,
    episode_for_user,
    session_for_user,
)
from alliance.web.practice.models import Session


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return repr(cursor.fetchall())


def test_clinical_text_is_not_in_the_raw_tables(world):
    for table in ("practice_session", "practice_episode", "practice_client"):
        raw = raw_rows(table)
        for secret in ("owner-note-secret", "owner-referral-secret", "Owner Clientname"):
            assert secret not in raw
        assert crypto.PREFIX in raw
    # ...while the application reads it back.
    assert Session.objects.get(pk=world.session.pk).note == "owner-note-secret"


def test_key_rotation_re_encrypts_everything(world, settings):
    old_key = settings.ALLIANCE_DATA_KEY
    before = raw_rows("practice_session")
    new_key = crypto.generate_key()
    settings.ALLIANCE_DATA_KEY = f"{new_key},{old_key}"
    counts = rotate_all()
    assert counts["practice.Session"] >= 3
    assert raw_rows("practice_session") != before
    settings.ALLIANCE_DATA_KEY = new_key  # the old key is gone: everything still reads
    assert Session.objects.get(pk=world.session.pk).note == "owner-note-secret"


def test_wrong_key_fails_loudly(world, settings):
    settings.ALLIANCE_DATA_KEY = crypto.generate_key()
    with pytest.raises(Exception, match="cannot be decrypted"):
        Session.objects.get(pk=world.session.pk).note  # noqa: B018


def test_audit_log_is_append_only(world):
    entry = AuditEntry.objects.first()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().update(summary="x")


def test_viewing_a_client_is_audited(world, login):
    client = login(world.supervisor)
    client.get(reverse("client", kwargs={"client_id": world.client.public_id}))
    entry = AuditEntry.objects.filter(action="view", object_id=world.client.public_id).get()
    assert entry.actor == world.supervisor
    assert entry.organisation == world.org


def test_admin_browses_and_filters_the_audit_log(world, login):
    client = login(world.owner)
    client.get(reverse("client", kwargs={"client_id": world.client.public_id}))
    admin = login(world.admin)
    everything = admin.get(reverse("audit_log")).content.decode()
    assert "client page" in everything
    views_only = admin.get(
        reverse("audit_log"), {"action": "view", "actor": world.owner.pk}
    ).content.decode()
    assert "client page" in views_only
    assert "logged in" not in views_only
    # Another organisation's entries never show.
    other = admin.get(reverse("audit_log"), {"object_type": "client"}).content.decode()
    assert world.foreign_client.code not in other


def test_admin_sees_records_but_no_clinical_text(world, login):
    client = login(world.admin)
    body = client.get(
        reverse("session", kwargs={"session_id": world.session.public_id})
    ).content.decode()
    assert "owner-note-secret" not in body
    assert "visible only to the practitioner and their supervisor" in body
    assert not can_read_clinical_text(world.admin, world.client)


def test_access_functions_for_every_role(world):
    from django.http import Http404

    cases = {
        world.owner: {world.client},
        world.colleague: {world.colleague_client},
        world.supervisor: {world.client},
        world.admin: {world.client, world.colleague_client},
        world.researcher: set(),
        world.outsider: {world.foreign_client},
        world.outsider_admin: {world.foreign_client},
    }
    everyone = {world.client, world.colleague_client, world.foreign_client}
    for user, visible in cases.items():
        assert set(clients_for_user(user)) == visible, user
        for client in everyone:
            episode = client.episodes.get()
            session = episode.sessions.get()
            if client in visible:
                assert client_for_user(user, client.public_id) == client
                assert episode_for_user(user, episode.public_id) == episode
                assert session_for_user(user, session.public_id) == session
            else:
                for fn, obj in (
                    (client_for_user, client),
                    (episode_for_user, episode),
                    (session_for_user, session),
                ):
                    with pytest.raises(Http404):
                        fn(user, obj.public_id)
    # Writing: only the treating practitioner.
    assert client_for_user(world.owner, world.client.public_id, write=True) == world.client
    for user in (world.supervisor, world.admin, world.colleague):
        with pytest.raises(Http404):
            client_for_user(user, world.client.public_id, write=True)
    with pytest.raises(Http404):
        client_for_user(world.owner, "not-a-uuid")
