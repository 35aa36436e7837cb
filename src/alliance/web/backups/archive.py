"""Encrypted, consistent backups of the practice database, and their verified restore.

A backup is a consistent copy of the whole database — SQLite through the online backup API,
PostgreSQL through ``pg_dump --format=custom`` — compressed with zlib and encrypted with Fernet
in chunks, so a large database never has to fit in memory.

File format, version 1::

    HEADER_SIZE bytes   b"ALLIANCE-BACKUP 1\\n" + one JSON object, padded with spaces, then "\\n":
                        format, engine, created_at (UTC), alliance_version, sha256 and bytes of
                        the plaintext dump, key_id (a one-way fingerprint of the key), compression
    records             1 byte kind (b"D" data, b"E" end) + 4 bytes big-endian length + a Fernet
                        token in binary form (base64-decoded). Data tokens carry consecutive pieces
                        of the compressed dump; the single end token carries the header JSON again,
                        which authenticates the plaintext header and reveals truncation.

Restoring checks the header, the key, every token and the SHA-256 of the whole plaintext before
the database is touched. Without the key a backup is useless: keep the key somewhere else.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

MAGIC = b"ALLIANCE-BACKUP"
FORMAT_VERSION = 1
HEADER_SIZE = 4096
CHUNK_SIZE = 1024 * 1024
# A tampered length must not make us allocate gigabytes; real tokens stay near CHUNK_SIZE.
MAX_RECORD = 4 * CHUNK_SIZE
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
PLAINTEXT_MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
_RECORD = struct.Struct(">cI")

Progress = Callable[[int, int | None], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what and where."""


@dataclass(frozen=True)
class BackupHeader:
    """What the plaintext header of a backup file says about it."""

    engine: str
    created_at: str
    alliance_version: str
    sha256: str
    plaintext_bytes: int
    key_id: str
    compression: str = "zlib"
    format: int = FORMAT_VERSION

    def as_json(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: where it is, how large, how long it took."""

    path: Path
    size: int
    plaintext_bytes: int
    seconds: float
    engine: str


@dataclass(frozen=True)
class VerifiedBackup:
    """A backup whose key and checksum have been checked, decrypted into a private temp file."""

    header: BackupHeader
    plaintext: Path


# Keys ---------------------------------------------------------------------------------------


def _split_keys(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def configured_keys() -> tuple[str, list[str]]:
    """Return (the key that encrypts new backups, every key that may decrypt one).

    `ALLIANCE_BACKUP_KEY` (one or more Fernet keys, comma-separated, the first encrypts) wins;
    otherwise the first key of `ALLIANCE_DATA_KEY` encrypts. Every key of both may decrypt.
    """
    from django.conf import settings

    backup_keys = _split_keys(settings.ALLIANCE_BACKUP_KEY)
    data_keys = _split_keys(getattr(settings, "ALLIANCE_DATA_KEY", None))
    for name, keys in (("ALLIANCE_BACKUP_KEY", backup_keys), ("ALLIANCE_DATA_KEY", data_keys)):
        for key in keys:
            _fernet(key, name)
    candidates = backup_keys + [k for k in data_keys if k not in backup_keys]
    if not candidates:
        raise BackupError("No key for backups: set ALLIANCE_BACKUP_KEY (or ALLIANCE_DATA_KEY).")
    return candidates[0], candidates


def _fernet(key: str, name: str = "the backup key") -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise BackupError(
            f"{name} must hold Fernet keys (create one with `alliance generate-data-key`)"
        ) from exc


def key_id(key: str) -> str:
    """Return a short one-way fingerprint of `key` that names it without revealing it."""
    return hashlib.sha256(b"alliance-backup-key-id:" + key.encode("ascii")).hexdigest()[:16]


# Writing ------------------------------------------------------------------------------------


def default_backup_path(home: Path | None = None, now: dt.datetime | None = None) -> Path:
    """Return ALLIANCE_HOME/backups/alliance-<UTC timestamp>.backup, not yet taken."""
    if home is None:
        from django.conf import settings

        home = Path(settings.ALLIANCE_HOME)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder = home / "backups"
    candidate = folder / f"alliance-{stamp}.backup"
    n = 2
    while candidate.exists():
        candidate = folder / f"alliance-{stamp}-{n}.backup"
        n += 1
    return candidate


def _alliance_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alliance")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _pad_header(header: BackupHeader) -> bytes:
    body = MAGIC + f" {FORMAT_VERSION}\n".encode("ascii") + header.as_json()
    if len(body) + 1 > HEADER_SIZE:  # pragma: no cover - the fields are short
        raise BackupError("backup header too long")
    return body + b" " * (HEADER_SIZE - len(body) - 1) + b"\n"


def _write_record(out, kind: bytes, token: bytes) -> None:
    raw = base64.urlsafe_b64decode(token)
    out.write(_RECORD.pack(kind, len(raw)))
    out.write(raw)


def write_encrypted(
    chunks: Iterable[bytes],
    output: Path,
    *,
    engine: str,
    key: str,
    total: int | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Compress, encrypt and write `chunks` (a database dump) to `output` in the backup format.

    Writes to `output`.partial (mode 0600) and renames it when complete, so a failed backup never
    leaves a file that looks finished. Returns (file size, plaintext bytes).
    """
    if engine not in ENGINES:
        raise BackupError(f"unknown database engine {engine!r}")
    if output.exists():
        raise BackupError(f"{output} already exists; choose another file name.")
    fernet = _fernet(key)
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = output.with_name(output.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    digest = hashlib.sha256()
    done = 0
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(b"\0" * HEADER_SIZE)  # the real header follows once the checksum is known
            compressor = zlib.compressobj(6)
            pending = bytearray()
            for chunk in chunks:
                digest.update(chunk)
                done += len(chunk)
                pending += compressor.compress(chunk)
                while len(pending) >= CHUNK_SIZE:
                    _write_record(out, b"D", fernet.encrypt(bytes(pending[:CHUNK_SIZE])))
                    del pending[:CHUNK_SIZE]
                if progress is not None:
                    progress(done, total)
            pending += compressor.flush()
            for start in range(0, len(pending), CHUNK_SIZE):
                _write_record(out, b"D", fernet.encrypt(bytes(pending[start : start + CHUNK_SIZE])))
            header = BackupHeader(
                engine=engine,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                alliance_version=_alliance_version(),
                sha256=digest.hexdigest(),
                plaintext_bytes=done,
                key_id=key_id(key),
            )
            _write_record(out, b"E", fernet.encrypt(header.as_json()))
            out.seek(0)
            out.write(_pad_header(header))
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return output.stat().st_size, done


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


@contextlib.contextmanager
def _private_dir(prefix: str) -> Iterator[Path]:
    """A temp folder only we can read (0700), removed with everything in it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _private_file(folder: Path, name: str) -> Path:
    path = folder / name
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _connection():
    from django.db import connection

    if connection.vendor not in ENGINES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    connection.ensure_connection()
    return connection


def _pg_environment(connection) -> tuple[dict[str, str], str]:
    """Connection details for the PostgreSQL client tools; the password only in PGPASSWORD."""
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS") or {}
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        ("PGSSLMODE", options.get("sslmode")),
        ("PGSSLROOTCERT", options.get("sslrootcert")),
        ("PGSSLCERT", options.get("sslcert")),
        ("PGSSLKEY", options.get("sslkey")),
    ):
        if value:
            env[variable] = str(value)
    return env, settings_dict["NAME"]


def _client_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools "
            "(the same major version as the server, or newer)."
        )
    return path


def _pg_dump_chunks(connection, stderr_file) -> Iterator[bytes]:
    env, name = _pg_environment(connection)
    # Compression is ours (zlib before encryption), so pg_dump writes plain custom format.
    command = [
        _client_tool("pg_dump"),
        "--format=custom",
        "--compress=0",
        "--no-password",
        f"--dbname={name}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr_file, env=env)  # noqa: S603
    assert process.stdout is not None  # stdout=PIPE
    try:
        while chunk := process.stdout.read(CHUNK_SIZE):
            yield chunk
    finally:
        process.stdout.close()
        code = process.wait()
    if code != 0:
        stderr_file.seek(0)
        message = stderr_file.read().decode("utf-8", "replace").strip()
        raise BackupError(f"pg_dump failed (exit {code}): {message}")


def create_backup(
    output: Path | None = None, *, key: str | None = None, progress: Progress | None = None
) -> BackupResult:
    """Write an encrypted, consistent backup of the configured database; return where and how big."""
    started = time.perf_counter()
    connection = _connection()
    if key is None:
        key = configured_keys()[0]
    output = Path(output) if output is not None else default_backup_path()
    engine = connection.vendor
    if engine == "sqlite":
        with _private_dir("alliance-backup-") as folder:
            snapshot = _private_file(folder, "snapshot.sqlite3")
            sqlite_snapshot(connection.connection, snapshot)
            size, plain = write_encrypted(
                _read_chunks(snapshot),
                output,
                engine=engine,
                key=key,
                total=snapshot.stat().st_size,
                progress=progress,
            )
    else:
        with tempfile.TemporaryFile() as stderr_file:
            size, plain = write_encrypted(
                _pg_dump_chunks(connection, stderr_file),
                output,
                engine=engine,
                key=key,
                progress=progress,
            )
    return BackupResult(output, size, plain, time.perf_counter() - started, engine)


def sqlite_snapshot(source: sqlite3.Connection, target: Path) -> None:
    """Copy the live database behind `source` into the file `target`, consistently.

    All pages are copied in one step, inside one read transaction: a writer in another process
    cannot make the copy inconsistent (in WAL mode it is not even blocked).
    """
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=-1)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy the database: {exc}") from exc
    finally:
        destination.close()


# Reading ------------------------------------------------------------------------------------


def read_header(path: Path) -> BackupHeader:
    """Parse and check the plaintext header of the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such backup file: {path}")
    with path.open("rb") as handle:
        raw = handle.read(HEADER_SIZE)
    if not raw.startswith(MAGIC + b" "):
        raise BackupError(f"{path} is not an Alliance backup (no ALLIANCE-BACKUP header).")
    if len(raw) < HEADER_SIZE:
        raise BackupError(f"{path} is truncated: the header is incomplete.")
    first, _, rest = raw.partition(b"\n")
    version = first[len(MAGIC) + 1 :].strip()
    if version != str(FORMAT_VERSION).encode("ascii"):
        raise BackupError(
            f"{path} has backup format {version.decode('ascii', 'replace')!r}; "
            f"this Alliance reads format {FORMAT_VERSION}."
        )
    try:
        fields = json.loads(rest.decode("ascii"))
        header = BackupHeader(**fields)
    except (ValueError, TypeError) as exc:
        raise BackupError(f"{path} is damaged: its header cannot be read.") from exc
    if header.engine not in ENGINES or header.compression != "zlib":
        raise BackupError(f"{path} is damaged: unknown engine or compression in its header.")
    return header


def _records(handle, path: Path) -> Iterator[tuple[bytes, bytes]]:
    while True:
        head = handle.read(_RECORD.size)
        if not head:
            raise BackupError(f"{path} is truncated: the end of the backup is missing.")
        if len(head) < _RECORD.size:
            raise BackupError(f"{path} is truncated in the middle of a record.")
        kind, length = _RECORD.unpack(head)
        if kind not in (b"D", b"E") or length > MAX_RECORD:
            offset = handle.tell() - _RECORD.size
            raise BackupError(f"{path} is damaged or was altered (bad record at byte {offset}).")
        body = handle.read(length)
        if len(body) < length:
            raise BackupError(f"{path} is truncated in the middle of a record.")
        yield kind, base64.urlsafe_b64encode(body)
        if kind == b"E":
            return


def _pick_key(header: BackupHeader, keys: list[str], path: Path) -> str:
    for key in keys:
        if key_id(key) == header.key_id:
            return key
    raise BackupError(
        f"{path}: this backup was made with another key (key id {header.key_id}). "
        "Set ALLIANCE_BACKUP_KEY to the key that made it; nothing was changed."
    )


def decrypt_to(
    path: Path,
    target: Path,
    *,
    keys: list[str] | None = None,
    progress: Progress | None = None,
) -> BackupHeader:
    """Decrypt and check the backup at `path` into `target`; return its header.

    Raises BackupError on a wrong key, a damaged, altered or truncated file, or a checksum that
    does not match. `target` is then incomplete and must be discarded.
    """
    path = Path(path)
    header = read_header(path)
    if keys is None:
        keys = configured_keys()[1]
    fernet = _fernet(_pick_key(header, keys, path))
    total = path.stat().st_size
    digest = hashlib.sha256()
    written = 0
    decompressor = zlib.decompressobj()
    with path.open("rb") as handle, target.open("wb") as out:
        handle.seek(HEADER_SIZE)
        for number, (kind, token) in enumerate(_records(handle, path), start=1):
            try:
                data = fernet.decrypt(token)
            except InvalidToken as exc:
                raise BackupError(
                    f"{path} is damaged or was altered: record {number} fails authentication."
                ) from exc
            if kind == b"E":
                if data != header.as_json():
                    raise BackupError(f"{path} is damaged or was altered: its header was changed.")
                break
            try:
                plain = decompressor.decompress(data)
            except zlib.error as exc:
                raise BackupError(
                    f"{path} is damaged: record {number} does not decompress."
                ) from exc
            digest.update(plain)
            written += len(plain)
            out.write(plain)
            if progress is not None:
                progress(handle.tell(), total)
        if handle.read(1):
            raise BackupError(f"{path} is damaged or was altered: data follows the end record.")
        try:
            rest = decompressor.flush()
        except zlib.error as exc:  # pragma: no cover - zlib reports this in decompress
            raise BackupError(f"{path} is damaged: the compressed stream is broken.") from exc
        digest.update(rest)
        written += len(rest)
        out.write(rest)
        if not decompressor.eof:
            raise BackupError(f"{path} is truncated: the compressed stream is incomplete.")
    if written != header.plaintext_bytes or digest.hexdigest() != header.sha256:
        raise BackupError(f"{path} is damaged: the SHA-256 checksum of its content does not match.")
    with target.open("rb") as check:
        if check.read(len(PLAINTEXT_MAGIC[header.engine])) != PLAINTEXT_MAGIC[header.engine]:
            raise BackupError(f"{path} does not hold a {ENGINES[header.engine]} database.")
    return header


def check_engine(header: BackupHeader, path: Path) -> None:
    """Refuse a backup of another database engine than the configured one."""
    vendor = _connection().vendor
    if header.engine != vendor:
        raise BackupError(
            f"{path} is a backup of a {ENGINES[header.engine]} database, but the configured "
            f"database is {ENGINES[vendor]}: restore it into a {ENGINES[header.engine]} database "
            "(set DATABASE_URL). Nothing was changed."
        )


@contextlib.contextmanager
def verified_backup(
    path: Path, *, keys: list[str] | None = None, progress: Progress | None = None
) -> Iterator[VerifiedBackup]:
    """Check the backup at `path` completely, without touching the database.

    Yields the header and a private (0600, in a 0700 temp folder) decrypted copy, deleted on exit.
    """
    path = Path(path)
    header = read_header(path)
    check_engine(header, path)
    with _private_dir("alliance-restore-") as folder:
        plaintext = _private_file(folder, "restore.plain")
        header = decrypt_to(path, plaintext, keys=keys, progress=progress)
        yield VerifiedBackup(header, plaintext)


def apply_restore(verified: VerifiedBackup) -> None:
    """Replace the configured database with a verified backup's content."""
    connection = _connection()
    if connection.in_atomic_block:
        raise BackupError("restore cannot run inside a database transaction")
    check_engine(verified.header, verified.plaintext)
    if verified.header.engine == "sqlite":
        sqlite_replace(verified.plaintext, connection.connection)
    else:
        _pg_restore(connection, verified.plaintext)


def restore_backup(
    path: Path,
    *,
    keys: list[str] | None = None,
    confirm: Callable[[BackupHeader], bool] | None = None,
    progress: Progress | None = None,
) -> BackupHeader | None:
    """Verify the backup at `path`, ask `confirm`, then restore it; None when not confirmed."""
    with verified_backup(path, keys=keys, progress=progress) as verified:
        if confirm is not None and not confirm(verified.header):
            return None
        apply_restore(verified)
        return verified.header


def sqlite_replace(source_file: Path, live: sqlite3.Connection) -> None:
    """Copy the database file `source_file` over the live database behind `live`.

    The backup API writes the destination in one write transaction: readers see the old or the
    new database, never a mixture.
    """
    source = sqlite3.connect(source_file)
    try:
        source.backup(live, pages=-1)
    except sqlite3.Error as exc:
        raise BackupError(
            f"SQLite could not restore the database (nothing changed): {exc}"
        ) from exc
    finally:
        source.close()


def _pg_restore(connection, dump: Path) -> None:
    env, name = _pg_environment(connection)
    command = [
        _client_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={name}",
        str(dump),
    ]
    result = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise BackupError(
            f"pg_restore failed (exit {result.returncode}); its single transaction was rolled "
            f"back, nothing was changed: {message}"
        )
