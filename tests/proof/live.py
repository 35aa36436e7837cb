"""A real Alliance server in a subprocess, on its own database, for the crash and load proofs.

`python -m tests.proof.live prepare N` (run with the environment from `server_env`) creates N open
one-instrument checks and prints their tokens, one a line; the test process never opens that
database through Django, so the server and the preparing process own it completely.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALLIANCE_ANSWERS = {"1": "8", "2": "7", "3": "9", "4": "8", "5": "0"}


# --- the database --------------------------------------------------------------------------------


@contextmanager
def fresh_database(home: Path):
    """Yield a DATABASE_URL of an empty database: SQLite under `home`, or a fresh PostgreSQL one.

    PostgreSQL is used when ALLIANCE_TEST_DATABASE_URL points at it (as in CI); the database is
    created next to the test database on the same server and dropped afterwards.
    """
    test_url = os.environ.get("ALLIANCE_TEST_DATABASE_URL", "")
    if not test_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{home / 'proof.sqlite3'}"
        return
    import psycopg

    parts = urllib.parse.urlsplit(test_url)
    name = f"alliance_proof_{uuid.uuid4().hex[:12]}"
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(home: Path, database_url: str) -> dict[str, str]:
    """Production settings on plain HTTP (no TLS on loopback), the way an operator runs it."""
    from cryptography.fernet import Fernet

    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALLIANCE_", "DJANGO_", "DATABASE_"))
    }
    env.update(
        {
            "ALLIANCE_MODE": "production",
            "ALLIANCE_HOME": str(home),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "alliance.web.settings",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
            "ALLIANCE_SSL_REDIRECT": "false",
            "ALLIANCE_SECURE_COOKIES": "false",
            "ALLIANCE_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def run_alliance(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run the `alliance` command (or this module) in a subprocess; return its standard output."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def prepare_checks(n: int) -> list[str]:
    """Create one organisation, practitioner and `n` open Alliance Check links; return the tokens."""
    from django.db import transaction
    from django.utils import timezone

    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.measures.models import Check
    from alliance.web.practice.models import Client, Episode, Phase, Session

    now = timezone.now()
    with transaction.atomic():
        org = Organisation.objects.create(name="Proof", slug="proof", client_code_prefix="P")
        practitioner = User.objects.create(
            username="proof-practitioner", role=Role.PRACTITIONER, organisation=org
        )
        sessions = []
        for i in range(-(-n // 5)):
            client = Client.objects.create(
                organisation=org, code=f"P{i:05d}", practitioner=practitioner
            )
            episode = Episode.objects.create(
                organisation=org,
                client=client,
                practitioner=practitioner,
                service="coaching",
                started_on=(now - dt.timedelta(days=60)).date(),
                phase=Phase.WORKING,
            )
            sessions += Session.objects.bulk_create(
                [
                    Session(
                        organisation=org,
                        episode=episode,
                        number=k,
                        starts_at=now - dt.timedelta(days=60 - 7 * k),
                        phase=Phase.WORKING,
                    )
                    for k in range(1, 6)
                ]
            )
        tokens = [secrets.token_urlsafe(24) for _ in range(n)]
        Check.objects.bulk_create(
            [
                Check(
                    organisation=org,
                    session=session,
                    instrument_ids=["alliance-check"],
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    token=token,
                    expires_at=now + dt.timedelta(hours=72),
                    created_by=practitioner,
                )
                for session, token in zip(sessions, tokens, strict=False)
            ]
        )
    return tokens


def prepare_api_token() -> str:
    """Create a practitioner with one client and a read/write API token; return the secret."""
    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.api.actions import create_token
    from alliance.web.practice.models import Client

    org = Organisation.objects.create(name="Proof API", slug="proof-api", client_code_prefix="A")
    practitioner = User.objects.create(
        username="proof-integration", role=Role.PRACTITIONER, organisation=org
    )
    Client.objects.create(organisation=org, code="A-1", practitioner=practitioner)
    _token, secret = create_token(
        practitioner, practitioner, scopes=["read", "write"], days=1, name="proof"
    )
    return secret


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`alliance serve` in its own process group, so a SIGKILL takes the master and every worker."""

    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int = 2):
        self.env, self.port, self.log, self.workers = env, port, log, workers
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 150) -> None:  # a first start collects static files
        command = [sys.executable, "-m", "alliance", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers), "--threads", "4"]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            env=self.env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-3000:]}")
            try:
                status, _ = request(self.port, "GET", "/healthz", timeout=1)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no graceful shutdown, no finishing of requests."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self.process = None


def request(
    port: int, method: str, path: str, body: str | None = None, timeout: float = 10
) -> tuple[int, str]:
    """One request on a fresh connection; return (status, Location)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {}
        if body is not None:
            csrf = "a" * 32  # a 32-character secret: cookie and form field must match
            body = f"csrfmiddlewaretoken={csrf}&{body}"
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
            }
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def submit(port: int, token: str, timeout: float = 10) -> bool:
    """Answer one check; True only for the redirect to its thank-you page."""
    answers = "&".join(f"alliance-check-{k}={v}" for k, v in ALLIANCE_ANSWERS.items())
    status, location = request(port, "POST", f"/c/{token}/", answers, timeout=timeout)
    return status == 302 and location.endswith(f"/c/{token}/thanks/")


def count_rows() -> dict[str, list[int]]:
    """Per check (by token hash): [answered 0/1, stored responses, "client answered" audit entries]."""
    from django.db.models import Count

    from alliance.web.audit.models import AuditEntry
    from alliance.web.measures.models import Check, MeasureResponse

    responses = dict(
        MeasureResponse.objects.values("check_ref")
        .annotate(n=Count("id"))
        .values_list("check_ref", "n")
    )
    audits = dict(
        AuditEntry.objects.filter(summary__startswith="client answered the check")
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    return {
        check.token_hash: [
            int(check.completed_at is not None),
            responses.get(check.pk, 0),
            audits.get(check.public_id, 0),
        ]
        for check in Check.objects.only("pk", "public_id", "token_hash", "completed_at")
    }


if __name__ == "__main__":
    import json

    import django

    django.setup()
    if sys.argv[1:2] == ["prepare"]:
        print("\n".join(prepare_checks(int(sys.argv[2]))))
    elif sys.argv[1:2] == ["api-token"]:
        print(prepare_api_token())
    elif sys.argv[1:2] == ["count"]:
        print(json.dumps(count_rows()))
    else:
        raise SystemExit("usage: python -m tests.proof.live prepare N | api-token | count")
