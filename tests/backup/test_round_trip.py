"""Back up the whole database, wipe it, restore it: every table comes back, on SQLite and PostgreSQL.

The tests are transactional: the data must be committed for pg_dump (another session) to see it,
and SQLite's backup API copies committed pages. pytest-django empties every table afterwards.
"""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from alliance.web.backups.archive import (
    HEADER_SIZE,
    create_backup,
    decrypt_to,
    read_header,
    restore_backup,
)
from alliance.web.practice.models import Client, Session
from tests.backup.helpers import table_fingerprints, wipe_every_table
from tests.factories import build_world, make_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_wipe_restore_gives_back_every_table(tmp_path):
    world = build_world()
    before = table_fingerprints()
    assert sum(count for count, _ in before.values()) > 50
    assert before["practice_session"][0] >= 3

    result = create_backup(tmp_path / "whole.backup")

    assert result.path.exists() and result.size == result.path.stat().st_size
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.engine == connection.vendor
    header = read_header(result.path)
    assert header.engine == connection.vendor and len(header.sha256) == 64

    wipe_every_table()
    assert all(count == 0 for count, _ in table_fingerprints().values())

    asked = []
    restored = restore_backup(result.path, confirm=lambda h: asked.append(h) or True)

    assert restored == header and asked == [header]
    after = table_fingerprints()
    assert after.keys() == before.keys()
    for table, fingerprint in before.items():
        assert after[table] == fingerprint, f"table {table} differs after the restore"
    # The restored clinical text still decrypts with the data key.
    assert Session.objects.get(public_id=world.session.public_id).note == "owner-note-secret"
    assert Client.objects.get(public_id=world.foreign_client.public_id).code == "FOREIGN-1"


def test_restore_undoes_changes_made_after_the_backup(tmp_path):
    world = build_world()
    before = table_fingerprints()
    backup = create_backup(tmp_path / "before.backup")
    world.client.name = "Renamed after the backup"
    world.client.save()
    make_client(world.owner, name="Added after the backup")
    assert table_fingerprints() != before

    restore_backup(backup.path)

    assert table_fingerprints() == before


def test_declining_the_confirmation_changes_nothing(tmp_path):
    build_world()
    backup = create_backup(tmp_path / "a.backup")
    wipe_every_table()
    wiped = table_fingerprints()

    assert restore_backup(backup.path, confirm=lambda header: False) is None

    assert table_fingerprints() == wiped


def test_the_file_holds_no_plaintext(tmp_path):
    world = build_world()
    backup = create_backup(tmp_path / "secret.backup")
    raw = backup.path.read_bytes()
    plain = tmp_path / "plain"
    decrypt_to(backup.path, plain)
    content = plain.read_bytes()
    # The dump itself holds the client code and names in clear (they are plain columns)...
    known = [b"FOREIGN-1", world.owner.username.encode(), b"practice_session"]
    for text in known:
        assert text in content, text
    # ...and the encrypted file holds none of them, nor the clinical text.
    for text in [*known, b"owner-note-secret", b"owner-referral-secret", b"SQLite format 3"]:
        assert text not in raw[HEADER_SIZE:], text
        assert text not in raw[:HEADER_SIZE], text


def test_the_default_file_name_lives_under_alliance_home(tmp_path, settings):
    settings.ALLIANCE_HOME = tmp_path
    build_world()
    first = create_backup()
    second = create_backup()
    assert first.path.parent == tmp_path / "backups"
    assert first.path.name.startswith("alliance-") and first.path.name.endswith("Z.backup")
    assert second.path != first.path and second.path.exists()
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_a_separate_backup_key_wins_over_the_data_key(tmp_path, settings):
    build_world()
    settings.ALLIANCE_BACKUP_KEY = Fernet.generate_key().decode()
    backup = create_backup(tmp_path / "own-key.backup")
    from alliance.web.backups.archive import key_id

    assert read_header(backup.path).key_id == key_id(settings.ALLIANCE_BACKUP_KEY)
    # With only the data key, the backup cannot be opened.
    settings.ALLIANCE_BACKUP_KEY = None
    from alliance.web.backups.archive import BackupError

    with pytest.raises(BackupError, match="this backup was made with another key"):
        restore_backup(backup.path)
