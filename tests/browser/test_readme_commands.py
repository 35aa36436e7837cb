"""The README's main command run for real: a subprocess on a fresh home, driven by Chromium.

`alliance demo` and `alliance serve` are started exactly as a newcomer or an operator starts
them, every persona signs in through the login form and opens their landing page and the pages
of their menu (each must answer within 5 seconds), and the server is stopped with SIGINT, as
Ctrl+C does, and must be gone within 10 seconds. The in-process test client cannot see a
server that hangs after gunicorn forks its workers; these tests can.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from base64 import b32decode
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PAGE_SECONDS = 5.0
STOP_SECONDS = 10.0
START_SECONDS = 180.0
DEMO_PASSWORD = "alliance-demo"
DEMO_TOTP_KEY = "ALLIANCEDEMOKEYFORLOCALUSEONLY23"  # printed by `alliance demo`
DEMO_PERSONAS = ["therapist", "counsellor", "coach", "supervisor", "researcher", "admin"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _totp(base32_key: str, at: float | None = None) -> str:
    """The 6-digit time-based code an authenticator app shows (RFC 6238, 30 s steps)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(b32decode(base32_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _alliance(*args: str) -> list[str]:
    """The `alliance` console script beside this interpreter, as the README's install makes it."""
    script = Path(sys.executable).with_name("alliance")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "alliance", *args]


class Server:
    """A server started as its own process group, stopped the way Ctrl+C stops it."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "/login/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"no answer on /login/ within {START_SECONDS:.0f} s:\n{self.output()}")

    def threads_of_master(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/task"))

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        # Zombies of the group's leader count as gone once reaped.
        return self.process.poll() is None or _group_has_members(self.process.pid)

    def interrupt(self) -> float:
        """Send SIGINT to the whole group, as a terminal's Ctrl+C does; return seconds to stop."""
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        while time.monotonic() - started < STOP_SECONDS + 5:
            if not self.group_alive():
                break
            time.sleep(0.1)
        return time.monotonic() - started

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _group_has_members(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields: state, ppid, pgrp, ...; a zombie (Z) holds no resources.
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _timed_goto(page, url: str) -> tuple[int, float]:
    started = time.monotonic()
    response = page.goto(url, timeout=PAGE_SECONDS * 1000 * 3, wait_until="load")
    return response.status, time.monotonic() - started


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation(timeout=PAGE_SECONDS * 1000):
        page.click("button[type=submit]")
    if "/login/verify/" in page.url:
        page.fill("input[name=code]", _totp(DEMO_TOTP_KEY))
        with page.expect_navigation(timeout=PAGE_SECONDS * 1000):
            page.click("main button.primary[type=submit]")
    assert "/login/" not in page.url, f"{username} could not sign in (still on {page.url})"


def _visit_persona_pages(page, base: str, username: str, password: str) -> list[str]:
    """Sign in, then open the landing page and every page of the menu; return the pages seen."""
    _sign_in(page, base, username, password)
    status, seconds = _timed_goto(page, base + "/")
    assert status == 200, f"{username}'s landing page answered {status}"
    assert seconds < PAGE_SECONDS, f"{username}'s landing page took {seconds:.1f} s"
    landing = page.url
    menu = page.eval_on_selector_all(
        "header nav a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    pages = [landing]
    first_client = page.eval_on_selector_all(
        "main table a[href^='/clients/']", "links => links.map(a => a.getAttribute('href'))"
    )
    targets = list(dict.fromkeys(menu + first_client[:1]))
    for href in targets:
        status, seconds = _timed_goto(page, base + href)
        assert status == 200, f"{username}: {href} answered {status}"
        assert seconds < PAGE_SECONDS, f"{username}: {href} took {seconds:.1f} s"
        pages.append(href)
    return pages


@pytest.fixture
def fresh_home(tmp_path) -> Path:
    home = tmp_path / "home"
    return home


def _environment(home: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALLIANCE_", "DJANGO_")) and key not in {"DATABASE_URL"}
    }
    env.update({"ALLIANCE_HOME": str(home), "PYTHONUNBUFFERED": "1", **extra})
    return env


def test_alliance_demo_serves_every_persona_and_stops_on_ctrl_c(
    chromium_browser, fresh_home, tmp_path
):
    port = _free_port()
    server = Server(
        _alliance("demo", "--port", str(port)),
        _environment(fresh_home),
        tmp_path / "demo.log",
        port,
    )
    try:
        server.wait_until_serving()
        seen = {}
        for username in DEMO_PERSONAS:
            context = chromium_browser.new_context(viewport={"width": 1366, "height": 900})
            try:
                seen[username] = _visit_persona_pages(
                    context.new_page(), server.base, username, DEMO_PASSWORD
                )
            finally:
                context.close()
        # The therapist's caseload and a client page were among the pages that answered.
        assert "/caseload/" in seen["therapist"][0]
        assert any(href.startswith("/clients/") and len(href) > 20 for href in seen["therapist"])
        # The process that forked the workers never started a thread (see alliance.web.server).
        assert server.threads_of_master() == 1
        seconds = server.interrupt()
        assert not server.group_alive(), f"still running {seconds:.1f} s after Ctrl+C"
        assert seconds < STOP_SECONDS, f"Ctrl+C took {seconds:.1f} s to stop the demo"
    finally:
        server.kill()


def test_alliance_serve_after_migrate_with_production_settings(
    chromium_browser, fresh_home, tmp_path
):
    from cryptography.fernet import Fernet

    env = _environment(
        fresh_home,
        SECRET_KEY="a-long-random-secret-for-this-test-only-" + "x" * 20,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        ALLIANCE_DATA_KEY=Fernet.generate_key().decode(),
        # No TLS proxy in front of this loopback test: the operator's documented switches.
        ALLIANCE_SSL_REDIRECT="false",
        ALLIANCE_SECURE_COOKIES="false",
    )
    fresh_home.mkdir()
    subprocess.run(_alliance("migrate"), env=env, check=True, capture_output=True, timeout=300)
    password = "a-practitioner-passphrase-41"
    subprocess.run(
        _alliance(
            "createuser",
            "pat",
            "--role",
            "practitioner",
            "--organisation",
            "harbour",
            "--organisation-name",
            "Harbour Therapy",
            "--kind",
            "therapist",
            "--password-stdin",
        ),
        env=env,
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = _free_port()
    server = Server(
        _alliance("serve", "--port", str(port), "--workers", "2"), env, tmp_path / "serve.log", port
    )
    try:
        server.wait_until_serving()
        context = chromium_browser.new_context(viewport={"width": 1366, "height": 900})
        try:
            pages = _visit_persona_pages(context.new_page(), server.base, "pat", password)
        finally:
            context.close()
        assert "/caseload/" in pages[0]
        assert server.threads_of_master() == 1
        seconds = server.interrupt()
        assert not server.group_alive(), f"still running {seconds:.1f} s after Ctrl+C"
        assert seconds < STOP_SECONDS, f"Ctrl+C took {seconds:.1f} s to stop the server"
    finally:
        server.kill()
