"""ALLIANCE_HOME is 0700 and its files 0600, in the demo and in production; wider modes are
warned about (as ssh warns about an open key) and tightened. Real commands, fresh homes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet

from tests.cli.test_commands import run_alliance


def production_env(home: Path) -> dict[str, str]:
    return {
        "ALLIANCE_MODE": "production",
        "ALLIANCE_HOME": str(home),
        "SECRET_KEY": "k" * 20 + "production-secret-key-with-enough-variety-1234567890",
        "ALLOWED_HOSTS": "alliance.example.org",
        "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
    }


def modes(home: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            path = Path(root) / name
            found[str(path.relative_to(home))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def assert_private(home: Path) -> dict[str, int]:
    found = modes(home)
    assert found["."] == 0o700
    for name, mode in found.items():
        assert mode & 0o077 == 0, f"{name} is {mode:04o}"
    return found


def test_the_demo_home_is_private(tmp_path: Path):
    home = tmp_path / "demo-home"
    old = os.umask(0o022)  # as a usual login shell has it
    try:
        result = run_alliance("demo", "--no-serve", env={"ALLIANCE_HOME": str(home)})
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    found = assert_private(home)
    assert found["alliance.sqlite3"] == 0o600
    assert found["data.key"] == 0o600
    assert "UNPROTECTED" not in result.stderr


def test_production_migrate_makes_a_private_database_and_tightens_a_copied_one(tmp_path: Path):
    home = tmp_path / "prod-home"
    env = production_env(home)
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    first = run_alliance("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "UNPROTECTED DIRECTORY! Permissions 0755" in first.stderr
    assert assert_private(home)["alliance.sqlite3"] == 0o600

    # A database copied in with cp's usual modes, and a world-readable -wal beside it.
    (home / "alliance.sqlite3").chmod(0o644)
    (home / "alliance.sqlite3-wal").write_bytes(b"")
    (home / "alliance.sqlite3-wal").chmod(0o664)
    home.chmod(0o755)
    again = run_alliance("migrate", env=env)
    assert again.returncode == 0, again.stderr
    assert f"Permissions 0644 for '{home / 'alliance.sqlite3'}' are too open" in again.stderr
    assert "Permissions 0664" in again.stderr
    # (SQLite may remove the empty -wal on closing; whatever is left is private.)
    assert assert_private(home)["alliance.sqlite3"] == 0o600

    # A backup (with the usual umask of the shell that runs it) is private too.
    old_umask = os.umask(0o022)
    try:
        backup = run_alliance("backup", env=env)
    finally:
        os.umask(old_umask)
    assert backup.returncode == 0, backup.stderr
    found = assert_private(home)
    assert found["backups"] == 0o700
    backups = [name for name in found if name.startswith("backups/")]
    assert backups and all(found[name] == 0o600 for name in backups)


def test_check_fails_on_files_open_to_others(tmp_path: Path):
    home = tmp_path / "check-home"
    home.mkdir()
    env = production_env(home)
    assert run_alliance("migrate", env=env).returncode == 0
    assert run_alliance("check", env=env).returncode == 0
    (home / "alliance.sqlite3").chmod(0o644)
    checked = run_alliance("check", env=env)
    assert checked.returncode == 1
    assert "UNPROTECTED FILE! Permissions 0644" in checked.stderr
    assert "open to others" in checked.stderr


def test_the_system_check_names_a_database_outside_the_home(tmp_path: Path, settings):
    from alliance.web.security.checks import check_private_files

    database = tmp_path / "elsewhere.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    settings.ALLIANCE_HOME = home
    settings.DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}
    }
    [warning] = check_private_files()
    assert str(database) in warning.msg and warning.id == "alliance.W101"
    database.chmod(0o600)
    assert check_private_files() == []


def test_only_alliances_own_entries_are_tightened(tmp_path: Path):
    from alliance.web.security.files import open_paths, private_paths, tighten

    home = tmp_path / "shared"
    (home / "backups").mkdir(parents=True)
    (home / "backups" / "old.backup").write_bytes(b"x")
    (home / "notes.txt").write_text("someone else's")
    for path in (home, home / "backups", home / "backups" / "old.backup", home / "notes.txt"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    found = open_paths(private_paths(home))
    assert {item.path.name for item in found} == {"shared", "backups", "old.backup"}
    assert "UNPROTECTED DIRECTORY! Permissions 0755" in found[0].warning()
    tighten(found)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "backups" / "old.backup").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "notes.txt").stat().st_mode) == 0o644
