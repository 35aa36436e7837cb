"""The `alliance` command, in-process (typer's runner) and, where settings must differ, as a subprocess."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alliance.cli import app
from alliance.web.accounts.models import Organisation, User

runner = CliRunner()


def run_alliance(
    *args: str, env: dict[str, str], timeout: int = 240
) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ALLIANCE_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_"))
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "alliance", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in (
        "demo",
        "serve",
        "migrate",
        "createuser",
        "check",
        "generate-data-key",
        "rotate-data-key",
    ):
        assert command in result.output


def test_generate_data_key_prints_a_fernet_key():
    from cryptography.fernet import Fernet

    result = runner.invoke(app, ["generate-data-key"])
    assert result.exit_code == 0
    Fernet(result.output.strip().encode())


def test_createuser_creates_staff_in_an_organisation(db):
    result = runner.invoke(
        app,
        [
            "createuser",
            "kim",
            "--role",
            "practitioner",
            "--kind",
            "coach",
            "--organisation",
            "northgate",
            "--organisation-name",
            "Northgate Coaching",
            "--password-stdin",
        ],
        input="a-long-enough-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="kim")
    assert (user.role, user.practitioner_kind, user.organisation.name) == (
        "practitioner",
        "coach",
        "Northgate Coaching",
    )
    assert user.check_password("a-long-enough-passphrase")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard", "--organisation", "x"], "Unknown role"),
        (["--role", "practitioner", "--organisation", "x"], "needs --kind"),
        (["--role", "admin", "--organisation", "missing"], "No organisation with slug"),
    ],
)
def test_createuser_refuses_bad_input(db, args, message):
    result = runner.invoke(
        app, ["createuser", "lee", *args, "--password-stdin"], input="a-long-enough-passphrase\n"
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not User.objects.filter(username="lee").exists()


def test_createuser_refuses_a_weak_password(db):
    Organisation.objects.create(name="P", slug="p")
    result = runner.invoke(
        app,
        ["createuser", "lee", "--role", "admin", "--organisation", "p", "--password-stdin"],
        input="123\n",
    )
    assert result.exit_code == 2
    assert "Password refused" in result.output


def test_demo_prepares_an_encrypted_sqlite_practice(tmp_path: Path):
    home = tmp_path / "home"
    first = run_alliance("demo", "--no-serve", env={"ALLIANCE_HOME": str(home)})
    assert first.returncode == 0, first.stderr
    assert "Loaded the demo practice" in first.stdout
    assert "therapist" in first.stdout and "alliance-demo" in first.stdout
    assert (home / "data.key").exists()
    database = home / "alliance.sqlite3"
    with sqlite3.connect(database) as db:
        phases = {row[0] for row in db.execute("SELECT DISTINCT phase FROM practice_episode")}
        clients = db.execute("SELECT COUNT(*) FROM practice_client").fetchone()[0]
        mandated = db.execute("SELECT COUNT(*) FROM practice_episode WHERE mandated").fetchone()[0]
        interpreters = db.execute(
            "SELECT COUNT(*) FROM practice_episode WHERE interpreter_needed"
        ).fetchone()[0]
        alert_types = {row[0] for row in db.execute("SELECT DISTINCT type FROM insights_alert")}
        responses = db.execute("SELECT COUNT(*) FROM measures_measureresponse").fetchone()[0]
        goals = db.execute("SELECT COUNT(*) FROM collaboration_goal").fetchone()[0]
        consents = db.execute("SELECT COUNT(*) FROM research_researchconsent").fetchone()[0]
        sessions = db.execute(
            "SELECT MIN(c), MAX(c) FROM (SELECT COUNT(*) c FROM practice_session GROUP BY episode_id)"
        ).fetchone()
    assert phases == {"engagement", "assessment", "working", "ending"}
    assert clients >= 20 and mandated == 1 and interpreters >= 1
    assert sessions[0] >= 1 and sessions[1] <= 25
    # Every monitoring signal appears in the demo, with goals and research consents.
    assert {
        "critical",
        "rupture",
        "not_on_track",
        "early_alliance",
        "disagreement",
        "missing_checks",
    } <= alert_types
    assert responses > 100 and goals > 0 and consents > 10
    # Notes written by the demo are encrypted in the database file itself.
    raw = (
        database.read_bytes() + (home / "alliance.sqlite3-wal").read_bytes()
        if (home / "alliance.sqlite3-wal").exists()
        else database.read_bytes()
    )
    from alliance.web.practice.demo import NOTES, REASONS

    for texts in (*NOTES.values(), *REASONS.values()):
        for text in texts:
            assert text.encode() not in raw
    second = run_alliance("demo", "--no-serve", env={"ALLIANCE_HOME": str(home)})
    assert second.returncode == 0
    assert "reusing it" in second.stdout


def test_production_refuses_to_start_without_its_settings(tmp_path: Path):
    result = run_alliance("migrate", env={"ALLIANCE_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert (
        "refuses to start in production without SECRET_KEY, ALLOWED_HOSTS, ALLIANCE_DATA_KEY"
        in result.stderr.replace("\n", " ")
    )


def test_check_passes_with_production_settings(tmp_path: Path):
    from cryptography.fernet import Fernet

    env = {
        "ALLIANCE_HOME": str(tmp_path),
        "SECRET_KEY": "k" * 20 + "production-secret-key-with-enough-variety-1234567890",
        "ALLOWED_HOSTS": "alliance.example.org",
        "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
    }
    result = run_alliance("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed." in result.stdout
    insecure = run_alliance("check", env={**env, "ALLIANCE_SECURE_COOKIES": "false"})
    assert insecure.returncode == 1


def test_boolean_settings_refuse_anything_else(tmp_path: Path):
    result = run_alliance(
        "demo", "--no-serve", env={"ALLIANCE_HOME": str(tmp_path), "ALLIANCE_DEBUG": "maybe"}
    )
    assert result.returncode == 2
    assert "ALLIANCE_DEBUG must be true or false" in result.stderr


def test_serve_runs_production_through_gunicorn(tmp_path: Path):
    import socket
    import time
    import urllib.request

    from cryptography.fernet import Fernet

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "ALLIANCE_HOME": str(tmp_path),
        "SECRET_KEY": "s" * 10 + "another-production-secret-key-with-variety-0987654321",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
        "ALLIANCE_SSL_REDIRECT": "false",
        "ALLIANCE_SECURE_COOKIES": "false",
    }
    assert run_alliance("migrate", env=env).returncode == 0
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ALLIANCE_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_"))
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "alliance", "serve", "--port", str(port), "--workers", "1"],
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 150  # a first start compresses every static file
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:  # noqa: S310
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body == "ok"
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/alliance/app.css", timeout=5
        ) as response:  # noqa: S310
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:  # noqa: S310
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
    finally:
        server.terminate()
        server.wait(timeout=20)
