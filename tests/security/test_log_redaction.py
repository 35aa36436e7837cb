"""Access and error logs never hold the token of a check, portal or password-reset link."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

from alliance.web.security.logs import REDACTED, RedactTokens, redact
from tests.cli.test_commands import run_alliance

CHECK_TOKEN = "chk-Secret-Token_0123456789abcdef"
PORTAL_TOKEN = "prt-Secret-Token_0123456789abcdef"
RESET_UID = "MTIzNDU"
RESET_TOKEN = "c8a1bd-0123456789abcdef0123456789abcdef"


def test_redact_replaces_the_token_of_each_kind_of_link():
    assert redact(f"GET /c/{CHECK_TOKEN}/thanks/ HTTP/1.1") == f"GET /c/{REDACTED}/thanks/ HTTP/1.1"
    assert (
        redact(f"http://h:8000/p/{PORTAL_TOKEN}/logout/") == f"http://h:8000/p/{REDACTED}/logout/"
    )
    assert redact(f"/reset/{RESET_UID}/{RESET_TOKEN}/") == f"/reset/{REDACTED}/{REDACTED}/"
    assert redact(f"/reset/{RESET_UID}/set-password/") == f"/reset/{REDACTED}/{REDACTED}/"
    # Other URLs stay readable.
    for keep in ("GET /clients/1b2c/ HTTP/1.1", "/reset/done/", "/api/v1/checks/abc"):
        assert redact(keep) == keep


def test_the_filter_rewrites_message_arguments_and_tracebacks():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "%s: %s",
        ("Not Found", f"/c/{CHECK_TOKEN}/"),
        None,
    )
    record.exc_text = f'Traceback ... File "x", GET /p/{PORTAL_TOKEN}/'
    assert RedactTokens().filter(record)
    assert record.getMessage() == f"Not Found: /c/{REDACTED}/"
    assert PORTAL_TOKEN not in record.exc_text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_production_server_logs_no_link_token(tmp_path: Path):
    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "ALLIANCE_HOME": str(home),
        "SECRET_KEY": "r" * 10 + "redaction-production-secret-key-with-variety-0987654321",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
        "ALLIANCE_SSL_REDIRECT": "false",
        "ALLIANCE_SECURE_COOKIES": "false",
        "ALLIANCE_LOG_LEVEL": "INFO",
    }
    assert run_alliance("migrate", env=env).returncode == 0
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ALLIANCE_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_"))
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "alliance", "serve", "--port", str(port), "--workers", "1"],
            env={**clean, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 240  # collects static files first
            while _get_or_none(f"{base}/healthz") != 200:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
            statuses = {
                "check": _get(f"{base}/c/{CHECK_TOKEN}/"),
                "thanks": _get(f"{base}/c/{CHECK_TOKEN}/thanks/"),
                "portal": _get(f"{base}/p/{PORTAL_TOKEN}/"),
                "reset": _get(f"{base}/reset/{RESET_UID}/{RESET_TOKEN}/"),
                "referer": _get(f"{base}/healthz", Referer=f"{base}/c/{CHECK_TOKEN}/"),
            }
        finally:
            server.terminate()
            server.wait(timeout=20)
    text = log_path.read_text()
    # Every request was logged, some of them twice (gunicorn's access log, Django's warning).
    assert text.count(f"/c/{REDACTED}/") >= 2, (statuses, text)
    assert f"/p/{REDACTED}/" in text and f"/reset/{REDACTED}/{REDACTED}/" in text, text
    for token in (CHECK_TOKEN, PORTAL_TOKEN, RESET_UID, RESET_TOKEN):
        assert token not in text, f"{token} in the server's log:\n{text}"
    if statuses["check"] == 404:
        assert f"Not Found: /c/{REDACTED}/" in text
    # The production server's home stayed private (database, collected static files).
    from tests.security.test_private_files import assert_private

    assert assert_private(home)["alliance.sqlite3"] == 0o600


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url)
    except OSError:
        return None
