"""A real, throwaway Redis (Debian's `redis-server`) on a free loopback port for the tests.

Without the binary the tests that need it are skipped with the reason — unless
ALLIANCE_REQUIRE_REDIS=1 (as CI sets), which makes that a failure, so the shared-cache tests
can never silently vanish.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install redis-server"


def redis_binary() -> str | None:
    """The redis-server binary on PATH or at Debian's /usr/bin/redis-server."""
    found = shutil.which("redis-server")
    if found:
        return found
    debian = Path("/usr/bin/redis-server")
    return str(debian) if debian.exists() else None


def require_redis() -> bool:
    return os.environ.get("ALLIANCE_REQUIRE_REDIS", "").lower() in {"1", "true", "yes"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def running_redis(binary: str, directory: Path, *, attempts: int = 3) -> Iterator[str]:
    """Start redis-server on a free port (nothing saved to disk); yield its redis:// URL."""
    last_error = ""
    for _ in range(attempts):
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None and not _answers(port):
            time.sleep(0.05)
        if process.poll() is None and _answers(port):
            try:
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            return
        # The port was taken between choosing and binding, or the server did not come up.
        process.kill()
        output, _ = process.communicate()
        last_error = output.decode(errors="replace")[-1000:]
    raise RuntimeError(f"redis-server did not start after {attempts} attempts:\n{last_error}")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """The URL of a Redis started for this test run, or a skip (a failure where required)."""
    binary = redis_binary()
    if binary is None:
        reason = f"redis-server is not installed ({INSTALL_HINT})"
        if require_redis():
            pytest.fail(f"{reason}, and ALLIANCE_REQUIRE_REDIS=1 requires it")
        pytest.skip(reason)
    with running_redis(binary, tmp_path_factory.mktemp("redis")) as url:
        yield url
