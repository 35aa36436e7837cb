"""Cluster: two `alliance serve` instances behind nginx on one PostgreSQL and one Redis.

Starts everything on loopback, as docs/deployment.md describes for separate machines:
a PostgreSQL database (created if missing, emptied first), Redis (started here if nothing
answers at `--redis-url`), two `alliance serve` instances on two ports and nginx (Debian's
package) balancing between them, with ALLIANCE_TRUSTED_PROXIES naming nginx. Then:

1. `--clients` concurrent clients submit their check through nginx for half of `--seconds` with
   one instance behind it (throughput_1), then for `--seconds` with both (throughput_2); a third
   of the way through the second run one instance is killed with SIGKILL (its whole process
   group, as when a machine dies) and started again;
2. intake requests from one client address (a loopback source address of its own, so nginx
   sees it as the client), spread over both instances, are limited to the configured number;
3. a sign-in lockout triggered on one instance holds on the other;
4. the rows are counted: every acknowledged check stored exactly once, with one audit entry.

It prints a table; its last line is one JSON object. It exits 1 when anything acknowledged is
lost or duplicated, or a limit does not hold. Errors (the requests in flight on the instance
that was killed get 502 from nginx; the client was never told they were stored) are counted
and shown, not failed.

    python bench/cluster.py                     # 60 s with both instances
    python bench/cluster.py --seconds 20
    python bench/cluster.py --database-url postgresql://postgres@127.0.0.1:5432/alliance_cluster
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402 - the load generator, preparation and counting of bench/load.py

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/alliance_cluster"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
LOCKOUT_PASSWORD = "cluster-right-password-1234"  # noqa: S105 - a throwaway bench account


# --- Redis ---------------------------------------------------------------------------------


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis(url: str, home: Path, stack: ExitStack) -> str:
    """Use the Redis at `url`, or start Debian's redis-server there (on loopback) for this run."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "redis" or not parts.hostname or not parts.port:
        raise SystemExit(f"--redis-url must look like redis://127.0.0.1:6379/0, not {url!r}")
    if redis_answers(parts.hostname, parts.port):
        return "already running"
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"no Redis answers at {url}, and this script starts one only on loopback")
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise SystemExit("redis-server is not installed: apt-get install redis-server")
    log = (home / "redis.log").open("wb")
    process = subprocess.Popen(  # noqa: S603
        [binary, "--port", str(parts.port), "--bind", "127.0.0.1", "--dir", str(home)]
        + ["--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.callback(stop_process, process)
    deadline = time.monotonic() + 10
    while not redis_answers(parts.hostname, parts.port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"redis-server did not start; see {home / 'redis.log'}")
        time.sleep(0.05)
    return "started by this script"


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- nginx ---------------------------------------------------------------------------------


def nginx_config(home: Path, listen: int, upstreams: list[int]) -> str:
    """The configuration of docs/deployment.md, on loopback and with its files under `home`.

    `X-Upstream` (bench only) tells the client which instance answered.
    """
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in upstreams
    )
    temp = "\n".join(
        f"    {kind}_temp_path {home / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {home / "nginx.pid"};
error_log {home / "nginx-error.log"} warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
{temp}
    upstream alliance {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size 10m;
        location / {{
            proxy_pass http://alliance;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, home: Path, listen: int):
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise SystemExit("nginx is not installed: apt-get install nginx-light")
        self.binary, self.home, self.listen = binary, home, listen
        self.config = home / "nginx.conf"
        self.process: subprocess.Popen | None = None

    def start(self, upstreams: list[int]) -> None:
        self.config.write_text(nginx_config(self.home, self.listen, upstreams))
        self.process = subprocess.Popen(  # noqa: S603
            [self.binary, "-c", str(self.config), "-p", str(self.home), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=(self.home / "nginx.log").open("wb"),
            start_new_session=True,
        )
        self._wait_until_up()

    def balance(self, upstreams: list[int]) -> None:
        """Point nginx at these instances (a graceful reload, as an operator would)."""
        self.config.write_text(nginx_config(self.home, self.listen, upstreams))
        self.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)  # the new worker takes over; the old one finishes its requests
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"nginx exited; see {self.home / 'nginx.log'}")
            try:
                status, _, _ = http_request(self.listen, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"nginx did not answer /healthz; see {self.home / 'nginx-error.log'}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)


# --- plain HTTP requests for the limit checks --------------------------------------------------


def http_request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    source: str | None = None,
) -> tuple[int, dict[str, str], str]:
    """One HTTP/1.1 request on a fresh connection (from `source`, a loopback address)."""
    with socket.create_connection(
        ("127.0.0.1", port), timeout=30, source_address=(source, 0) if source else None
    ) as conn:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        if body or method == "POST":
            head += f"Content-Length: {len(body)}\r\n"
        conn.sendall(head.encode() + b"\r\n" + body)
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    head_bytes, _, content = raw.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    found = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), found, content.decode("utf-8", "replace")


def form_post(port: int, path: str, fields: dict[str, str], source: str | None = None, **headers):
    csrf = secrets.token_hex(16)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **fields}).encode()
    return http_request(
        port,
        "POST",
        path,
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            **headers,
        },
        source=source,
    )


# --- preparation -------------------------------------------------------------------------------


def prepare_limits() -> tuple[str, str]:
    """A published practice page (the intake form) and a member of staff; return their paths."""
    from django.db import transaction

    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.intake.actions import update_page
    from alliance.web.intake.models import PracticePage

    org = Organisation.objects.get(slug="load")
    with transaction.atomic():
        admin = User.objects.create(username="cluster-admin", role=Role.ADMIN, organisation=org)
        update_page(
            admin,
            PracticePage(organisation=org, member=None),
            published=True,
            headline="Cluster practice",
        )
        staff = User(username="cluster-therapist", role=Role.PRACTITIONER, organisation=org)
        staff.set_password(LOCKOUT_PASSWORD)
        staff.save()
    return f"/practice/{org.slug}/", staff.username


def intake_fields() -> dict[str, str]:
    return {
        "name": "Cluster Visitor",
        "contact": "visitor@example.org",
        "help_with": "Finding my way at work.",
        "preferred_format": "video",
        "language": "en",
        "consent_to_contact": "on",
        "website": "",
    }


# --- the limit checks --------------------------------------------------------------------------


def check_intake_limit(nginx_port: int, path: str, limit: int) -> dict:
    """Send 2 × limit + 2 intake requests from one client address through nginx.

    The client connects from its own loopback address (127.x.y.z), so nginx sees that address;
    each request also claims a made-up address in X-Forwarded-For, which nginx keeps to the left
    of the real one and the application never believes.
    """
    source = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"  # noqa: S311
    accepted, refused, upstreams, other = 0, 0, set(), []
    for n in range(2 * limit + 2):
        status, headers, content = form_post(
            nginx_port,
            path,
            intake_fields(),
            source=source,
            **{"X-Forwarded-For": f"192.0.2.{n + 1}"},
        )
        upstreams.add(headers.get("x-upstream", "?"))
        if status == 302 and "/sent/" in headers.get("location", ""):
            accepted += 1
        elif status == 200 and "try again later" in content:
            refused += 1
        else:
            other.append(status)
    return {
        "address": source,
        "accepted": accepted,
        "refused": refused,
        "instances": sorted(upstreams),
        "other": other,
        "held": accepted == limit and refused == limit + 2 and len(upstreams) == 2,
    }


def check_lockout(port_a: int, port_b: int, username: str, limit: int) -> dict:
    """Fail `limit` passwords on instance A, then sign in with the right one on instance B."""
    statuses = [
        form_post(port_a, "/login/", {"username": username, "password": "wrong"})[0]
        for _ in range(limit)
    ]
    right, _, _ = form_post(port_b, "/login/", {"username": username, "password": LOCKOUT_PASSWORD})
    return {"failures_on_a": statuses, "right_password_on_b": right, "held": right == 429}


# --- the run -----------------------------------------------------------------------------------


class Instances:
    """The `alliance serve` instances, each in its own process group."""

    def __init__(self, home: Path, workers: int, threads: int):
        self.home, self.workers, self.threads = home, workers, threads
        self.ports = [load.free_port(), load.free_port()]
        self.processes: dict[int, subprocess.Popen] = {}
        self.restarts = 0

    def start(self, index: int) -> None:
        port = self.ports[index]
        log = self.home / f"serve-{index + 1}-{self.restarts}.log"
        self.processes[index] = load.start_server(
            port, self.workers, self.threads, log, timeout=180
        )

    def kill(self, index: int) -> None:
        os.killpg(self.processes[index].pid, signal.SIGKILL)
        self.processes[index].wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                load.stop_server(process)


async def run_with_a_kill(
    nginx_port: int, tokens, clients: int, seconds: float, instances: Instances
) -> tuple[load.Outcome, dict]:
    """Drive the load for `seconds`; a third of the way in, SIGKILL instance 2 and restart it."""
    events: dict = {}

    async def chaos() -> None:
        await asyncio.sleep(seconds / 3)
        t0 = time.perf_counter()
        instances.kill(1)
        events["killed_at_s"] = round(seconds / 3, 1)
        instances.restarts += 1
        await asyncio.to_thread(instances.start, 1)
        events["back_after_s"] = round(time.perf_counter() - t0, 1)

    outcome, _ = await asyncio.gather(
        load.drive(nginx_port, tokens, clients, seconds, "check"), chaos()
    )
    return outcome, events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="the run with two instances (one: half)"
    )
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="a PostgreSQL URL")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="started if nothing answers")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    args = parser.parse_args()
    if args.seconds < 3 or args.clients <= 0:
        parser.error("--seconds must be at least 3 and --clients positive")
    if not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url must be a postgresql:// URL (the cluster shares PostgreSQL)")

    home = Path(tempfile.mkdtemp(prefix="alliance-cluster-"))
    with ExitStack() as stack:
        redis_state = ensure_redis(args.redis_url, home, stack)
        env = load.configure(args.database_url, home)
        extra = {"ALLIANCE_CACHE_URL": args.redis_url, "ALLIANCE_TRUSTED_PROXIES": "127.0.0.1"}
        os.environ.update(extra)
        env.update(extra)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection

        from alliance.web.intake.ratelimit import INTAKE_LIMIT

        load.reset_postgres(args.database_url)
        t0 = time.perf_counter()
        tokens = load.prepare(int(250 * args.seconds * 1.5) + 1000)
        intake_path, username = prepare_limits()
        connection.close()
        # Collect the static files once, as a deployment does before starting its servers
        # (both instances share ALLIANCE_HOME here), so that neither spends its start on it.
        from alliance.cli import _collect_static_if_changed

        _collect_static_if_changed()
        print(
            f"PostgreSQL {args.database_url}; Redis {args.redis_url} ({redis_state}); "
            f"prepared {len(tokens)} open checks in {time.perf_counter() - t0:.1f} s; "
            f"{args.clients} clients; 2 instances x {args.workers} workers x {args.threads} "
            f"threads; {os.cpu_count()} CPUs; files in {home}"
        )

        instances = Instances(home, args.workers, args.threads)
        stack.callback(instances.stop)
        instances.start(0)
        nginx = Nginx(home, load.free_port())
        stack.callback(nginx.stop)
        nginx.start(instances.ports[:1])
        supply = iter(tokens)

        one = asyncio.run(load.drive(nginx.listen, supply, args.clients, args.seconds / 2, "check"))
        instances.start(1)
        nginx.balance(instances.ports)
        two, events = asyncio.run(
            run_with_a_kill(nginx.listen, supply, args.clients, args.seconds, instances)
        )
        intake = check_intake_limit(nginx.listen, intake_path, INTAKE_LIMIT)
        lockout = check_lockout(*instances.ports, username, settings.AXES_FAILURE_LIMIT)

    counts = load.count_checks(one.succeeded + two.succeeded)
    print()
    print(
        f"{'run':<34} {'ok':>7} {'errors':>6} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    figures = {}
    for name, outcome in (("one instance", one), ("two instances, one killed", two)):
        ms = [1000 * v for v in outcome.latencies]
        rate = len(outcome.succeeded) / outcome.elapsed if outcome.elapsed else 0.0
        p50, p95, p99 = (load.percentile(ms, p) for p in (50, 95, 99))
        figures[name] = {"rate": rate, "p95": p95}
        print(
            f"{name:<34} {len(outcome.succeeded):>7} {len(outcome.errors):>6} {rate:>8.1f} "
            f"{p50:>8.1f} {p95:>8.1f} {p99:>8.1f}"
        )
        kinds = Counter(line.split(": ", 1)[1].strip() for line in outcome.errors)
        for kind, n in kinds.most_common():
            print(f"  {n} x {kind}")
    print(
        f"instance 2 killed (SIGKILL) at {events.get('killed_at_s')} s, answering again after "
        f"{events.get('back_after_s')} s"
    )
    print(
        f"rows: lost {counts['lost']}, duplicates {counts['duplicates']}, stored without a "
        f"success {counts['stored without a success']}, audit entries {counts['audit entries']} "
        f"for {len(one.succeeded) + len(two.succeeded)} acknowledged"
    )
    print(
        f"intake limit {INTAKE_LIMIT}/h from {intake['address']} through nginx: "
        f"{intake['accepted']} accepted, {intake['refused']} refused, served by "
        f"{', '.join(intake['instances'])}{'; other: ' + str(intake['other']) if intake['other'] else ''}"
    )
    print(
        f"sign-in lockout: {len(lockout['failures_on_a'])} wrong passwords on instance 1 "
        f"({lockout['failures_on_a']}), then the right one on instance 2: "
        f"HTTP {lockout['right_password_on_b']}"
    )
    # One audit entry per stored check (acknowledged, or stored as its client got an error).
    stored = len(one.succeeded) + len(two.succeeded) + counts["stored without a success"]
    audits_match = counts["audit entries"] == stored
    result = {
        "instances": 2,
        "throughput_1": round(figures["one instance"]["rate"], 1),
        "throughput_2": round(figures["two instances, one killed"]["rate"], 1),
        "p95_ms": round(figures["two instances, one killed"]["p95"], 1),
        "errors": len(one.errors) + len(two.errors),
        "lost": counts["lost"],
        "duplicates": counts["duplicates"],
        "rate_limit_held": intake["held"],
        "lockout_held": lockout["held"],
    }
    failures = [
        name
        for name, bad in (
            ("lost", result["lost"]),
            ("duplicates", result["duplicates"]),
            ("the intake limit did not hold", not intake["held"]),
            ("the sign-in lockout did not hold", not lockout["held"]),
            ("audit entries differ from the stored checks", not audits_match),
        )
        if bad
    ]
    print("FAILED: " + "; ".join(failures) if failures else "nothing lost, nothing duplicated")
    print(json.dumps(result))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
