"""Load: many clients submitting their one-minute check through the real server, beside a floor.

Prepares enough open checks in bulk, starts `alliance serve` (gunicorn) on loopback, and drives
`--clients` concurrent connections for `--seconds` with one asyncio load generator (raw HTTP/1.1
on keep-alive connections, so the generator is not the bottleneck). Each submission is the
check's one POST (the coaching check after session 2 asks only the Alliance Check). The same
generator then drives a bare Django view doing one INSERT on the same server (the floor,
`ALLIANCE_BENCH_FLOOR=true`). Afterwards the rows are counted: 0 errors, 0 lost, 0 duplicates.

    python bench/load.py                                   # SQLite under a temporary home
    python bench/load.py --seconds 20 --clients 100
    python bench/load.py --database-url postgresql://postgres@127.0.0.1:5432/alliance_load
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ALLIANCE_ANSWERS = {"1": "8", "2": "7", "3": "9", "4": "8", "5": "0"}
SESSIONS_PER_EPISODE = 10


# --- preparation -----------------------------------------------------------------------------


def configure(database_url: str, home: Path) -> dict[str, str]:
    """The environment the server and this process share (production mode, plain HTTP)."""
    from cryptography.fernet import Fernet

    env = {
        "ALLIANCE_MODE": "production",
        "ALLIANCE_HOME": str(home),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "alliance.web.settings",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
        "ALLIANCE_SSL_REDIRECT": "false",
        "ALLIANCE_SECURE_COOKIES": "false",
        "ALLIANCE_BENCH_FLOOR": "true",
        "ALLIANCE_LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)
    return env


def reset_postgres(database_url: str) -> None:
    """Create the PostgreSQL database if needed and empty it, so a run counts only its rows."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import urllib.parse

    import psycopg

    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def prepare(n_checks: int) -> list[str]:
    """Create one organisation, a practitioner and `n_checks` open checks in bulk; return tokens."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from alliance.web import benchfloor
    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.practice.models import Client, Episode, Phase, Session

    call_command("migrate", interactive=False, verbosity=0)
    benchfloor.create_table()
    now = timezone.now()
    with transaction.atomic():
        org = Organisation.objects.create(name="Load", slug="load", client_code_prefix="L")
        practitioner = User.objects.create(
            username="load-practitioner", role=Role.PRACTITIONER, organisation=org
        )
        n_episodes = -(-n_checks // SESSIONS_PER_EPISODE)
        clients = Client.objects.bulk_create(
            [
                Client(organisation=org, code=f"L{i:07d}", practitioner=practitioner)
                for i in range(n_episodes)
            ],
            batch_size=2000,
        )
        episodes = Episode.objects.bulk_create(
            [
                Episode(
                    organisation=org,
                    client=c,
                    practitioner=practitioner,
                    service="coaching",
                    started_on=(now - dt.timedelta(days=90)).date(),
                    phase=Phase.WORKING,
                )
                for c in clients
            ],
            batch_size=2000,
        )
        sessions = Session.objects.bulk_create(
            [
                Session(
                    organisation=org,
                    episode=e,
                    number=n,
                    starts_at=now - dt.timedelta(days=90 - 7 * n),
                    phase=Phase.WORKING,
                )
                for e in episodes
                for n in range(1, SESSIONS_PER_EPISODE + 1)
            ][:n_checks],
            batch_size=2000,
        )
        tokens = create_open_checks(org, practitioner, sessions, now)
    return tokens


def create_open_checks(org, practitioner, sessions, now: dt.datetime) -> list[str]:
    """Bulk-create one open Alliance Check per session, valid 72 hours; return their tokens."""
    from alliance.web.measures.models import Check

    tokens = [secrets.token_urlsafe(24) for _ in sessions]
    Check.objects.bulk_create(
        [
            Check(
                organisation=org,
                session=s,
                instrument_ids=["alliance-check"],
                token_hash=hashlib.sha256(t.encode()).hexdigest(),
                token=t,
                created_at=now,
                expires_at=now + dt.timedelta(hours=72),
                created_by=practitioner,
            )
            for s, t in zip(sessions, tokens, strict=True)
        ],
        batch_size=2000,
    )
    return tokens


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int, workers: int, threads: int, log: Path, timeout: float = 60
) -> subprocess.Popen:
    """Run `alliance serve` as an operator would, in its own process group."""
    command = [sys.executable, "-m", "alliance", "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    process = subprocess.Popen(  # noqa: S603
        command,
        stdout=subprocess.DEVNULL,  # the access log would cost both sides the same; drop it
        stderr=log.open("wb"),
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"the server did not answer /healthz within {timeout:g} s; see {log}")


def stop_server(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


# --- the load generator ----------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, cookie: str) -> tuple[int, str]:
        """POST a form; return (status, Location)."""
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nCookie: {cookie}\r\n\r\n"
            ).encode()
            try:
                self.writer.write(head + body)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed before the status line")
            except (ConnectionError, OSError):
                await self.close()
                # A reused connection the server had already closed: the request never reached
                # a worker, so sending it once more on a fresh connection is safe.
                if fresh or attempt == 2:
                    raise
                continue
            return await self._finish(status_line)
        raise AssertionError("unreachable")

    async def _finish(self, status_line: bytes) -> tuple[int, str]:
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers.get("location", "")


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    succeeded: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    ran_out: bool = False


async def drive(
    port: int, items: Iterator[str], clients: int, seconds: float, kind: str
) -> Outcome:
    """Send one POST per item from `clients` concurrent connections until time or items run out."""
    outcome = Outcome()
    queue = items
    csrf = secrets.token_hex(16)  # a 32-character secret: cookie and form field must match
    cookie = f"csrftoken={csrf}"
    answers = "&".join(f"alliance-check-{k}={v}" for k, v in ALLIANCE_ANSWERS.items())
    started = time.perf_counter()
    stop_at = started + seconds

    async def one_client() -> None:
        connection = Connection(port)
        try:
            while time.perf_counter() < stop_at:
                token = next(queue, None)
                if token is None:
                    outcome.ran_out = True
                    return
                if kind == "check":
                    path = f"/c/{token}/"
                    body = f"csrfmiddlewaretoken={csrf}&{answers}".encode()
                else:
                    path = "/bench/floor/"
                    body = f"csrfmiddlewaretoken={csrf}&token={token}&{answers}".encode()
                t0 = time.perf_counter()
                try:
                    status, location = await connection.post(path, body, cookie)
                except (ConnectionError, OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    outcome.errors.append(f"{token}: {type(exc).__name__}: {exc}")
                    await connection.close()
                    continue
                outcome.latencies.append(time.perf_counter() - t0)
                expected = f"/c/{token}/thanks/" if kind == "check" else "/healthz"
                if status == 302 and location.endswith(expected):
                    outcome.succeeded.append(token)
                else:
                    outcome.errors.append(f"{token}: HTTP {status} {location}")
        finally:
            await connection.close()

    await asyncio.gather(*(one_client() for _ in range(clients)))
    outcome.elapsed = time.perf_counter() - started
    return outcome


# --- where the time goes -------------------------------------------------------------------


WARM_UP = 30


def breakdown(tokens: list[str], floor_requests: int = 300) -> None:
    """Submit `tokens` in this process through Django's test client with each phase timed.

    The phases are the real functions of the check's path, wrapped with a timer for this
    run only; "request, middleware, form" is what remains of the whole request. The floor's
    request, timed the same way, shows what any POST costs here.
    """
    from collections import defaultdict

    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.test import Client as TestClient

    from alliance.web.measures import actions, recording

    spent: dict[str, float] = defaultdict(float)
    depth = [0]

    def timed(owner, name: str, phase: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            depth[0] += 1
            begin = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - begin
                depth[0] -= 1

        setattr(owner, name, wrapper)

    timed(actions, "find_check", "find the check (link lookup)")
    timed(actions, "record_responses", "record_responses (all of it)")
    timed(recording, "score_administrations", "scoring")
    for name in ("_insert", "_insert_returning"):
        if hasattr(recording, name):
            timed(recording, name, "insert")
    for name in ("_read_back", "_built"):
        if hasattr(recording, name):
            timed(recording, name, "read back / build rows")
    timed(recording, "record", "audit")
    timed(recording, "record_many", "audit")
    for name in ("refresh_summaries", "refresh_answer_summaries"):
        if hasattr(recording, name):
            timed(recording, name, "episode summary")
    timed(recording, "_queue_webhooks", "webhooks queueing")
    timed(recording, "_after_commit", "after commit (monitoring queued)")
    timed(BaseDatabaseWrapper, "commit", "commit")
    timed(actions, "submit_check", "submit_check (all of it)")
    http = TestClient(HTTP_HOST="127.0.0.1")
    csrf = secrets.token_hex(16)
    http.cookies["csrftoken"] = csrf
    answers = {f"alliance-check-{k}": v for k, v in ALLIANCE_ANSWERS.items()}
    # Warm up (imports, templates, translations, the floor's route) before timing anything.
    for token in tokens[:WARM_UP]:
        http.post(f"/c/{token}/", {"csrfmiddlewaretoken": csrf, **answers})
    for _ in range(WARM_UP):
        http.post("/bench/floor/", {"csrfmiddlewaretoken": csrf, "token": secrets.token_hex(8)})
    tokens = tokens[WARM_UP:]
    spent.clear()
    begin = time.perf_counter()
    for token in tokens:
        response = http.post(f"/c/{token}/", {"csrfmiddlewaretoken": csrf, **answers})
        if response.status_code != 302:
            raise SystemExit(f"breakdown: the check answered {response.status_code}")
    total = time.perf_counter() - begin
    begin = time.perf_counter()
    for _ in range(floor_requests):
        http.post("/bench/floor/", {"csrfmiddlewaretoken": csrf, "token": secrets.token_hex(8)})
    floor = (time.perf_counter() - begin) / floor_requests
    n = len(tokens)
    inner = ("scoring", "insert", "read back / build rows", "audit", "episode summary")
    inner += ("webhooks queueing",)
    record_all = spent.pop("record_responses (all of it)", 0.0)
    submit = spent.pop("submit_check (all of it)", 0.0)
    lookup, commit = spent["find the check (link lookup)"], spent["commit"]
    after = spent["after commit (monitoring queued)"]
    rows = [
        ("request, middleware, form, redirect", total - submit - lookup),
        ("find the check (link lookup)", lookup),
        ("claim the link, duplicates, savepoints", submit - record_all - commit - after),
        *((k, spent.get(k, 0.0)) for k in inner),
        ("recording: sessions, other", record_all - sum(spent.get(k, 0.0) for k in inner)),
        ("commit", commit),
        ("after commit (monitoring queued)", after),
    ]
    print(f"where a check's time goes (this process, {n} checks, {1000 * total / n:.2f} ms each):")
    for name, seconds in rows:
        print(f"  {name:<42}{1000 * seconds / n:7.2f} ms {100 * seconds / total:5.1f} %")
    print(f"  {'(the floor request, same way)':<42}{1000 * floor:7.2f} ms")


# --- counting --------------------------------------------------------------------------------


def count_checks(succeeded: list[str]) -> dict[str, int]:
    """Compare the successes with the rows: lost, duplicated, and stored without a success."""
    from django.db.models import Count

    from alliance.web.audit.models import AuditEntry
    from alliance.web.measures.models import Check, MeasureResponse

    hashes = {hashlib.sha256(t.encode()).hexdigest() for t in succeeded}
    completed = dict(
        Check.objects.filter(completed_at__isnull=False).values_list("token_hash", "pk")
    )
    per_check = dict(
        MeasureResponse.objects.values_list("check_ref")
        .annotate(n=Count("id"))
        .values_list("check_ref", "n")
    )
    audits = dict(
        AuditEntry.objects.filter(summary__startswith="client answered the check")
        .values_list("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    public = dict(Check.objects.filter(completed_at__isnull=False).values_list("pk", "public_id"))
    lost = sum(1 for h in hashes if h not in completed or per_check.get(completed[h], 0) != 1)
    duplicates = sum(1 for n in per_check.values() if n > 1)
    duplicates += sum(1 for n in audits.values() if n > 1)
    unconfirmed = len(set(completed) - hashes)  # stored although the client saw no success
    return {
        "lost": lost,
        "duplicates": duplicates,
        "stored without a success": unconfirmed,
        "audit entries": sum(audits.get(public[pk], 0) for pk in completed.values()),
    }


def count_floor(succeeded: list[str]) -> dict[str, int]:
    from django.db import connection

    from alliance.web import benchfloor

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, COUNT(*) FROM {benchfloor.TABLE} GROUP BY token")  # noqa: S608
        rows = dict(cursor.fetchall())
    return {
        "lost": sum(1 for t in succeeded if t not in rows),
        "duplicates": sum(1 for n in rows.values() if n > 1),
        "stored without a success": len(set(rows) - set(succeeded)),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(name: str, outcome: Outcome) -> dict[str, float]:
    rate = len(outcome.succeeded) / outcome.elapsed if outcome.elapsed else 0.0
    ms = [1000 * v for v in outcome.latencies]
    figures = {
        "rate": rate,
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
    }
    print(
        f"{name:<18} {len(outcome.succeeded):>7} ok {len(outcome.errors):>5} errors "
        f"{outcome.elapsed:6.1f} s {rate:8.1f}/s   "
        f"p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  p99 {figures['p99']:7.1f} ms"
    )
    if outcome.ran_out:
        print(f"  ({name}: the prepared items ran out before the time was up)")
    for line in outcome.errors[:5]:
        print(f"  error: {line}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=200, help="concurrent connections")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--checks", type=int, default=0, help="checks to prepare (default: 250 per second)"
    )
    parser.add_argument(
        "--start-timeout", type=float, default=60, help="seconds to wait for the server"
    )
    parser.add_argument(
        "--breakdown",
        type=int,
        default=300,
        metavar="N",
        help="afterwards, time the phases of N more checks in this process (0: skip)",
    )
    args = parser.parse_args()
    if args.seconds <= 0 or args.clients <= 0:
        parser.error("--seconds and --clients must be positive")

    home = Path(tempfile.mkdtemp(prefix="alliance-load-"))
    database_url = args.database_url or f"sqlite:///{home / 'load.sqlite3'}"
    configure(database_url, home)
    import django

    django.setup()
    from django.db import connection

    reset_postgres(database_url)
    n_checks = args.checks or int(250 * args.seconds) + 1000
    t0 = time.perf_counter()
    tokens = prepare(n_checks)
    vendor = connection.vendor
    connection.close()  # the server gets the database to itself while the load runs
    print(
        f"{vendor}: prepared {len(tokens)} open checks in {time.perf_counter() - t0:.1f} s; "
        f"{args.clients} clients, {args.seconds:g} s per phase, "
        f"gunicorn {args.workers} workers x {args.threads} threads, {os.cpu_count()} CPUs"
    )
    port = free_port()
    server = start_server(
        port, args.workers, args.threads, home / "server.log", timeout=args.start_timeout
    )
    try:
        floor_items = (secrets.token_hex(16) for _ in itertools.count())
        checks = asyncio.run(drive(port, iter(tokens), args.clients, args.seconds, "check"))
        floor = asyncio.run(drive(port, floor_items, args.clients, args.seconds, "floor"))
    finally:
        stop_server(server)
    check_figures = summary("check submission", checks)
    floor_figures = summary("floor (1 INSERT)", floor)
    check_counts = count_checks(checks.succeeded)
    floor_counts = count_floor(floor.succeeded)
    print(f"check rows: {check_counts}")
    print(f"floor rows: {floor_counts}")
    ratio = check_figures["rate"] / floor_figures["rate"] if floor_figures["rate"] else 0.0
    print(f"ratio check/floor throughput: {ratio:.2f} (target >= 0.50)")
    unused = sorted(set(tokens) - set(checks.succeeded))[: args.breakdown + WARM_UP]
    if unused:
        breakdown(unused)
    failures = []
    if checks.errors or floor.errors:
        failures.append(f"{len(checks.errors)} + {len(floor.errors)} errors")
    for name, counts in (("check", check_counts), ("floor", floor_counts)):
        for key in ("lost", "duplicates", "stored without a success"):
            if counts[key]:
                failures.append(f"{name}: {counts[key]} {key}")
    if check_counts["audit entries"] != len(checks.succeeded):
        failures.append("check: audit entries differ from the successes")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("0 errors, 0 lost, 0 duplicates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
