"""A wrong key, an altered or truncated file, another engine: a clear error, the database untouched."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from alliance.web.backups.archive import (
    HEADER_SIZE,
    PLAINTEXT_MAGIC,
    BackupError,
    configured_keys,
    create_backup,
    restore_backup,
    write_encrypted,
)
from tests.backup.helpers import table_fingerprints
from tests.factories import build_world, make_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backed_up(tmp_path):
    """A backup of the world, then a change, so that any restore would be visible."""
    world = build_world()
    backup = create_backup(tmp_path / "good.backup")
    make_client(world.owner, name="Added after the backup")
    return backup.path, table_fingerprints()


def _refused(path, message, **kwargs):
    with pytest.raises(BackupError) as caught:
        restore_backup(path, confirm=lambda header: True, **kwargs)
    assert message in str(caught.value)
    return caught.value


def test_a_backup_made_with_another_key_is_refused(backed_up):
    path, state = backed_up
    error = _refused(
        path, "this backup was made with another key", keys=[Fernet.generate_key().decode()]
    )
    assert "ALLIANCE_BACKUP_KEY" in str(error)
    assert table_fingerprints() == state


def _header_field_offset(data: bytes, field: str) -> int:
    header = data[:HEADER_SIZE]
    value = json.loads(header.split(b"\n", 1)[1])[field]
    return header.index(value.encode()) + 3


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("magic", "is not an Alliance backup"),
        ("checksum", "damaged"),
        ("engine", "damaged"),
        ("record-length", "damaged or was altered (bad record at byte 4096)"),
        ("first-token", "record 1 fails authentication"),
        ("middle", "fails authentication"),
        ("end-token", "fails authentication"),
        ("appended", "data follows the end record"),
    ],
)
def test_an_altered_file_is_refused(backed_up, tmp_path, where, message):
    path, state = backed_up
    data = bytearray(path.read_bytes())
    if where == "magic":
        data[0] ^= 0x01
    elif where == "checksum":
        offset = _header_field_offset(data, "sha256")
        data[offset] = ord("0") if data[offset] != ord("0") else ord("1")
    elif where == "engine":
        header = bytes(data[:HEADER_SIZE])
        other = b"postgresql" if b'"engine":"sqlite"' in header else b"sqlite"
        current = b"sqlite" if other == b"postgresql" else b"postgresql"
        changed = header.replace(b'"engine":"' + current, b'"engine":"' + other)
        changed = changed[: HEADER_SIZE - 1].ljust(HEADER_SIZE - 1) + b"\n"
        data[:HEADER_SIZE] = changed
        message = "is a backup of a" if other.decode() != connection.vendor else message
    elif where == "record-length":
        data[HEADER_SIZE + 1] ^= 0x01  # the top byte of the first length: far past the end
    elif where == "first-token":
        data[HEADER_SIZE + 40] ^= 0x01
    elif where == "middle":
        data[len(data) // 2] ^= 0x01
    elif where == "end-token":
        data[-1] ^= 0x01
    elif where == "appended":
        data += b"extra"
    altered = tmp_path / f"altered-{where}.backup"
    altered.write_bytes(bytes(data))

    _refused(altered, message)

    assert table_fingerprints() == state


@pytest.mark.parametrize("keep", ["50", "header", "header+3", "half", "all-but-1"])
def test_a_truncated_file_is_refused(backed_up, tmp_path, keep):
    path, state = backed_up
    data = path.read_bytes()
    length = {
        "50": 50,
        "header": HEADER_SIZE,
        "header+3": HEADER_SIZE + 3,
        "half": len(data) // 2,
        "all-but-1": len(data) - 1,
    }[keep]
    cut = tmp_path / f"cut-{keep}.backup"
    cut.write_bytes(data[:length])

    _refused(cut, "truncated")

    assert table_fingerprints() == state


def test_a_backup_of_another_engine_is_refused(backed_up, tmp_path):
    path, state = backed_up
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = tmp_path / f"{other}.backup"
    write_encrypted(
        [PLAINTEXT_MAGIC[other], b"\0" * 1000], foreign, engine=other, key=configured_keys()[0]
    )

    error = _refused(foreign, "is a backup of a")

    assert "Nothing was changed" in str(error)
    assert table_fingerprints() == state


def test_a_missing_file_and_a_foreign_file_are_named(tmp_path, db):
    _refused(tmp_path / "nowhere.backup", "No such backup file")
    stranger = tmp_path / "notes.txt"
    stranger.write_text("just some notes\n" * 500)
    _refused(stranger, "is not an Alliance backup")


def test_an_existing_file_is_never_overwritten(backed_up, tmp_path):
    path, _ = backed_up
    before = path.read_bytes()
    with pytest.raises(BackupError, match="already exists"):
        create_backup(path)
    assert path.read_bytes() == before
