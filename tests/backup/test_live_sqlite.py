"""The SQLite path on a real database file in WAL mode, as `alliance demo` and a server use it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from alliance.web.backups.archive import sqlite_replace, sqlite_snapshot


def _alliance(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ALLIANCE_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "alliance", *args],
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_snapshot_and_replace_keep_readers_consistent(tmp_path: Path):
    live = sqlite3.connect(tmp_path / "live.sqlite3", isolation_level=None)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE t (x INTEGER)")
    live.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
    reader = sqlite3.connect(tmp_path / "live.sqlite3", isolation_level=None)
    snapshot = tmp_path / "snapshot.sqlite3"

    sqlite_snapshot(live, snapshot)
    live.execute("DELETE FROM t WHERE x % 2 = 0")
    live.execute("CREATE TABLE later (y)")
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone() == (2500,)

    sqlite_replace(snapshot, live)

    # Another connection (a server's) sees the whole old database again, nothing of the later one.
    assert reader.execute("SELECT COUNT(*), SUM(x) FROM t").fetchone() == (5000, sum(range(5000)))
    names = {row[0] for row in reader.execute("SELECT name FROM sqlite_master")}
    assert names == {"t"}
    assert live.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_commands_restore_a_live_sqlite_file(tmp_path: Path):
    key = Fernet.generate_key().decode()
    env = {
        "ALLIANCE_MODE": "demo",
        "ALLIANCE_HOME": str(tmp_path),
        "ALLIANCE_DATA_KEY": key,
        "ALLIANCE_BACKUP_KEY": Fernet.generate_key().decode(),
    }
    assert _alliance("migrate", env=env).returncode == 0
    created = _alliance(
        "createuser", "robin", "--role", "admin", "--organisation", "north",
        "--organisation-name", "North", "--password-stdin",
        env=env, stdin="a-long-enough-passphrase\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    backup = tmp_path / "live.backup"
    made = _alliance("backup", "--output", str(backup), env=env)
    assert made.returncode == 0, made.stderr

    database = tmp_path / "alliance.sqlite3"
    server = sqlite3.connect(database, isolation_level=None)  # stays open, like a running server
    server.execute("DELETE FROM accounts_user")
    assert server.execute("SELECT COUNT(*) FROM accounts_user").fetchone() == (0,)

    restored = _alliance("restore", str(backup), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert server.execute("SELECT username FROM accounts_user").fetchall() == [("robin",)]
    assert not list(tmp_path.glob("**/*.partial"))
