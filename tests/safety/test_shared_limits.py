"""Rate limits and lockouts hold across workers and processes, with either shared cache.

Two separate Python processes, each a Django "worker" with the default settings on one SQLite
database, count intake attempts from one address: together they let exactly the limit through
(before, each worker kept its own count in memory and two workers let twice the limit in).
The same holds with ALLIANCE_CACHE_URL naming a real Redis (started for the run from Debian's
`redis-server`; CI requires it), as on several app servers behind a proxy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from alliance.web.intake.ratelimit import INTAKE_LIMIT
from alliance.web.settings import CACHE_TABLE, cache_from_url

SRC = Path(__file__).resolve().parents[2] / "src"

SETUP = """
import importlib
import django
django.setup()
from django.db import connection
migration = importlib.import_module(
    "alliance.web.journal.migrations.0002_shared_cache_table_for_rate_limits"
)
with connection.schema_editor() as editor:
    migration.create_cache_table(None, editor)
print(connection.introspection.table_names())
"""

WORKER = """
import sys, time
import django
django.setup()
from django.test import RequestFactory
from alliance.web.intake.ratelimit import INTAKE_LIMIT, INTAKE_WINDOW_SECONDS, hit
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))  # both workers begin together
request = RequestFactory().post("/p/riverside/intake/", REMOTE_ADDR="203.0.113.9")
allowed = [hit("intake", request, limit=INTAKE_LIMIT, window=INTAKE_WINDOW_SECONDS) for _ in range(INTAKE_LIMIT)]
print(sum(allowed))
"""


LOCKOUT_SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.collaboration.actions import create_portal_access
from alliance.web.practice.actions import create_client
org = Organisation.objects.create(name="Riverside", slug="riverside", client_code_prefix="R")
user = User(username="therapist", organisation=org, role=Role.PRACTITIONER, practitioner_kind="therapist")
user.set_password("right-password-1234")
user.save()
access, token, pin = create_portal_access(user, create_client(user, name="A Client"))
print(token, pin)
"""

LOCKOUT_WORKER = """
import sys, time
import django
django.setup()
from django.test import Client
from alliance.web.collaboration.actions import find_portal_access, try_pin
token, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
access = find_portal_access(token)
pins = [try_pin(access, "000000") for _ in range(3)]
http = Client(REMOTE_ADDR="198.51.100.7")
logins = [
    http.post("/login/", {"username": "therapist", "password": "wrong"}).status_code
    for _ in range(3)
]
print(pins, logins)
"""

LOCKOUT_CHECK = """
import sys
import django
django.setup()
from django.test import Client
from alliance.web.collaboration.actions import find_portal_access, try_pin
token, pin = sys.argv[1], sys.argv[2]
right = Client(REMOTE_ADDR="198.51.100.7").post(
    "/login/", {"username": "therapist", "password": "right-password-1234"}
)
print(try_pin(find_portal_access(token), pin), right.status_code)
"""


REDIS_WORKER = """
import json, sys, time
import django
django.setup()
from django.conf import settings
from django.test import Client, RequestFactory
from alliance.web.collaboration.actions import find_portal_access, try_pin
from alliance.web.intake.ratelimit import INTAKE_LIMIT, INTAKE_WINDOW_SECONDS, hit
token, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # both workers begin together
request = RequestFactory().post("/p/riverside/intake/", REMOTE_ADDR="203.0.113.9")
intake = [hit("intake", request, limit=INTAKE_LIMIT, window=INTAKE_WINDOW_SECONDS) for _ in range(INTAKE_LIMIT)]
access = find_portal_access(token)
pins = [try_pin(access, "000000") for _ in range(3)]
http = Client(REMOTE_ADDR="198.51.100.7")
logins = [
    http.post("/login/", {"username": "therapist", "password": "wrong"}).status_code
    for _ in range(3)
]
print(json.dumps({"cache": settings.CACHES["default"]["BACKEND"], "intake": sum(intake),
                  "pins": pins, "logins": logins}))
"""


def _env(tmp_path, cache_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALLIANCE_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="alliance.web.test_settings",
        ALLIANCE_HOME=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        PYTHONPATH=os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]),
    )
    if cache_url:
        env["ALLIANCE_CACHE_URL"] = cache_url
    return env


def test_the_default_cache_is_the_shared_database_cache():
    assert settings.CACHES["default"]["BACKEND"].endswith("db.DatabaseCache")
    assert settings.CACHES["default"]["LOCATION"] == CACHE_TABLE
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"


def test_a_shared_cache_url_selects_redis_and_anything_else_is_refused():
    redis = cache_from_url("redis://cache.internal:6379/1")
    assert redis == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
    }
    for bad in ("locmem://", "memcached://host", "cache.internal:6379"):
        with pytest.raises(ImproperlyConfigured, match="ALLIANCE_CACHE_URL"):
            cache_from_url(bad)


def test_the_intake_limit_holds_across_two_processes(tmp_path):
    import time

    env = _env(tmp_path)
    setup = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr[-2000:]
    assert CACHE_TABLE in setup.stdout
    start = str(time.time() + 3)
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", textwrap.dedent(WORKER), start],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    allowed = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
        allowed.append(int(out.strip().splitlines()[-1]))
    # Each worker tried the limit's worth; together exactly the limit got through.
    assert sum(allowed) == INTAKE_LIMIT, allowed


def test_the_pin_and_sign_in_lockouts_hold_across_two_processes(tmp_path):
    """Two processes each try 3 wrong PINs and 3 wrong passwords: together they pass the
    limit of 5, so the right PIN and the right password are then refused in a third."""
    import time

    env = _env(tmp_path)

    def run(script, *args):
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", textwrap.dedent(script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    token, pin = run(LOCKOUT_SETUP).split()
    start = str(time.time() + 3)
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", textwrap.dedent(LOCKOUT_WORKER), token, start],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
    pin_state, login_status = run(LOCKOUT_CHECK, token, pin).split()
    assert pin_state == "locked"
    assert login_status == "429"


def test_with_redis_every_limit_and_lockout_holds_across_two_processes(tmp_path, redis_url):
    """Two processes share one Redis (ALLIANCE_CACHE_URL) and one database. Together they let
    exactly the intake limit through, and their 3 + 3 wrong PINs and passwords lock the portal
    link and the username, so the right PIN and password are then refused in a third."""
    import json
    import time

    import redis

    server = redis.Redis.from_url(redis_url)
    server.flushdb()
    env = _env(tmp_path, cache_url=redis_url)

    def run(script, *args):
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", textwrap.dedent(script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    token, pin = run(LOCKOUT_SETUP).split()
    start = str(time.time() + 3)
    workers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", textwrap.dedent(REDIS_WORKER), token, start],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert {r["cache"] for r in reports} == {"django.core.cache.backends.redis.RedisCache"}
    # Each process tried the limit's worth; together exactly the limit got through, and the
    # slots that let them through are keys in Redis, not rows in a local table.
    assert sum(r["intake"] for r in reports) == INTAKE_LIMIT, reports
    assert len(server.keys("*alliance:rate:intake:203.0.113.9:*")) == INTAKE_LIMIT
    pin_state, login_status = run(LOCKOUT_CHECK, token, pin).split()
    assert pin_state == "locked", reports
    assert login_status == "429", reports
