"""The deployment of docs/deployment.md, for real: two app servers behind nginx, one dying.

Runs ``bench/cluster.py`` as an operator would: PostgreSQL (a scratch database of its own
beside the test database), this run's Redis, two ``alliance serve`` instances (gunicorn) and
Debian's nginx with the documented configuration. Clients submit checks through nginx while
one instance is killed with SIGKILL and restarted; then the intake limit is tried from one
client address through nginx (served by both instances) and a lockout triggered on one
instance is tried on the other. Nothing acknowledged may be lost or stored twice, and both
limits must hold.

The cluster shares PostgreSQL (SQLite cannot be shared by two servers), so the test runs in
the PostgreSQL suite (ALLIANCE_TEST_DATABASE_URL, as CI sets it); CI installs nginx and sets
ALLIANCE_REQUIRE_NGINX=1, which turns a missing nginx into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _nginx() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        reason = "nginx is not installed (apt-get install nginx-light)"
        if os.environ.get("ALLIANCE_REQUIRE_NGINX") == "1":
            pytest.fail(f"{reason}, and ALLIANCE_REQUIRE_NGINX=1 requires it")
        pytest.skip(reason)
    return binary


def _cluster_database() -> str:
    url = os.environ.get("ALLIANCE_TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgres://")):
        pytest.skip(
            "two app servers share PostgreSQL: runs in the PostgreSQL suite "
            "(ALLIANCE_TEST_DATABASE_URL, as CI sets it)"
        )
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/alliance_cluster_test"))


def test_two_servers_behind_nginx_lose_nothing_and_share_limits(redis_url):
    nginx = _nginx()
    database = _cluster_database()
    env = {**os.environ, "PATH": f"{Path(nginx).parent}:{os.environ.get('PATH', '')}"}
    for name in ("DJANGO_SETTINGS_MODULE", "ALLIANCE_TEST_DATABASE_URL", "ALLIANCE_HOME"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "bench" / "cluster.py"),
            "--seconds",
            "8",
            "--clients",
            "24",
            "--database-url",
            database,
            "--redis-url",
            redis_url.rsplit("/", 1)[0] + "/7",  # a database of its own in this run's Redis
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["instances"] == 2, output[-4000:]
    assert summary["lost"] == 0, output[-4000:]
    assert summary["duplicates"] == 0, output[-4000:]
    assert summary["rate_limit_held"] is True, output[-4000:]
    assert summary["lockout_held"] is True, output[-4000:]
    assert summary["throughput_1"] > 0 and summary["throughput_2"] > 0, output[-4000:]
