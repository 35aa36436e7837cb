"""Lockout, sessions, headers: the sign-in hardening around every page."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alliance.web.security.middleware import SESSION_STARTED, SESSION_TOUCHED
from tests.factories import make_totp_device
from tests.security.helpers import app_code, sign_in_with_password
from tests.web.test_url_matrix import discover, targets

WEB = Path(__file__).resolve().parents[2] / "src" / "alliance" / "web"


@pytest.fixture(autouse=True)
def no_otp_backoff(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def every_url(world):
    """Each discovered URL, with the arguments of the owner's own records."""
    available = targets(world, "own")
    for _route, name, args in discover():
        if any(a not in available for a in args):
            continue  # an area still teaching the matrix its arguments; the matrix test fails
        yield name, reverse(name, kwargs={a: available[a] for a in args})


def test_a_session_that_owes_the_second_step_reaches_nothing(world, client):
    make_totp_device(world.owner)
    sign_in_with_password(client, world.owner)
    checked = 0
    for name, url in every_url(world):
        response = client.get(url)
        if name == "two_factor_verify":
            assert response.status_code == 200
        elif name in {"healthz", "readyz", "login", "logout"}:
            # The log-in page sends a signed-in user home, where the middleware steps in.
            assert response.status_code in {200, 302, 405}, (name, response.status_code)
        else:
            assert response.status_code == 302, (name, url, response.status_code)
            assert response["Location"].startswith(reverse("two_factor_verify")), name
            post = client.post(url, {})
            assert post.status_code == 302, (name, url, post.status_code)
            assert post["Location"] == reverse("two_factor_verify"), name
        checked += 1
    assert checked > 40
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_verify"))
    assert client.get("/admin/accounts/user/")["Location"].startswith(reverse("two_factor_verify"))


def test_a_required_user_without_a_device_reaches_only_enrolment(world, client):
    sign_in_with_password(client, world.admin)
    for name, url in every_url(world):
        response = client.get(url)
        if name in {"two_factor_enrol", "healthz", "readyz", "login", "logout"}:
            continue
        assert response.status_code == 302, (name, url, response.status_code)
        assert response["Location"].startswith(reverse("two_factor_enrol")), name


def test_the_django_admin_needs_a_verified_session(world, client):
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(world.admin)
    session = client.session
    session.pop(DEVICE_ID_SESSION_KEY, None)
    session.save()
    # Without a device the middleware sends the admin to enrol; the admin site itself also
    # refuses an unverified session and never offers its own password-only form.
    assert client.get("/admin/").status_code == 302
    client.logout()
    login_page = client.get("/admin/login/?next=/admin/")
    assert login_page.status_code == 302
    assert login_page["Location"].startswith(reverse("login"))


def test_five_wrong_passwords_lock_the_username_out_with_a_clear_page(world, client):
    for _ in range(4):
        response = sign_in_with_password(client, world.owner, "wrong-password")
        assert response.status_code == 200
    locked = sign_in_with_password(client, world.owner, "wrong-password")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many attempts" in body
    assert "Try again in 15 minutes" in body
    # Even the right password is refused while locked…
    assert sign_in_with_password(client, world.owner).status_code == 429
    assert client.get(reverse("caseload")).status_code == 302
    # …but only for that username: a colleague at the same address signs in.
    assert sign_in_with_password(client, world.colleague).status_code == 302


def test_lockout_ends_after_the_cool_off(world, client, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(seconds=1)
    for _ in range(5):
        sign_in_with_password(client, world.owner, "wrong-password")
    assert sign_in_with_password(client, world.owner).status_code == 429
    time.sleep(1.1)
    assert sign_in_with_password(client, world.owner).status_code == 302


def test_wrong_second_step_codes_count_towards_the_lockout(world, client):
    device = make_totp_device(world.owner)
    sign_in_with_password(client, world.owner)
    for _ in range(4):
        response = client.post(reverse("two_factor_verify"), {"code": "000000"})
        assert response.status_code == 200
    locked = client.post(reverse("two_factor_verify"), {"code": "000000"})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # The half-signed-in session is gone; signing in again is refused until the cool-off.
    assert client.get(reverse("caseload"))["Location"].startswith(reverse("login"))
    assert sign_in_with_password(client, world.owner).status_code == 429
    assert app_code(device)  # the device itself is untouched


def test_the_session_ends_after_idle_minutes(world, client, settings):
    assert settings.SESSION_COOKIE_AGE == settings.ALLIANCE_IDLE_MINUTES * 60 == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client.force_login(world.owner)
    assert client.get(reverse("caseload")).status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_slides_the_idle_expiry(world, client):
    client.force_login(world.owner)
    session = client.session
    session[SESSION_TOUCHED] = int(time.time()) - 120
    session.save()
    soon = timezone.now() + dt.timedelta(minutes=5)
    Session.objects.filter(session_key=session.session_key).update(expire_date=soon)
    assert client.get(reverse("caseload")).status_code == 200
    expiry = Session.objects.get(session_key=client.session.session_key).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)


def test_a_session_ends_at_the_absolute_limit_however_active(world, client, settings):
    client.force_login(world.owner)
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.ALLIANCE_SESSION_MAX_SECONDS - 1
    session.save()
    response = client.get(reverse("caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("caseload")).status_code == 302


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_carry_the_security_headers_and_a_strict_csp(world, client, signed_in):
    if signed_in:
        client.force_login(world.owner)
    url = reverse("caseload") if signed_in else reverse("login")
    response = client.get(url)
    assert response.status_code == 200
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    if signed_in:
        assert response["Cache-Control"] == "no-store"


def test_the_client_check_page_carries_the_csp_too(world, client):
    token = world.extras["own"]["token"]
    response = client.get(reverse("client_check", kwargs={"token": token}))
    assert "script-src 'self'" in response["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on* event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\sstyle\s*=", re.I), "an inline style attribute"),
    (re.compile(r"<style", re.I), "an inline <style> element"),
]


def test_no_template_or_page_code_uses_inline_script_or_style():
    offenders = []
    files = [*WEB.rglob("*.html"), *WEB.rglob("*.svg")]
    files += [p for p in WEB.rglob("*.py") if "templates" not in p.parts and "tests" not in p.parts]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".py":
            # Python builds HTML and SVG in strings: look only inside string literals of markup.
            text = "\n".join(line for line in text.splitlines() if "<" in line and ">" in line)
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(WEB)}:{line}: {what}")
    assert not offenders, "\n".join(offenders)


def test_passwords_need_twelve_characters_and_no_common_words():
    with pytest.raises(ValidationError):
        validate_password("Short-pass1")
    with pytest.raises(ValidationError):
        validate_password("password1234")
    validate_password("river-otter-lantern-42")


def test_production_cookies_are_secure_http_only_and_same_site(tmp_path):
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "ALLIANCE_MODE": "production",
        "ALLIANCE_HOME": str(tmp_path),
        "SECRET_KEY": "k" * 20 + "production-secret-key-with-enough-variety-1234567890",
        "ALLOWED_HOSTS": "alliance.example.org",
        "ALLIANCE_DATA_KEY": Fernet.generate_key().decode(),
        "DJANGO_SETTINGS_MODULE": "alliance.web.settings",
    }
    env.pop("ALLIANCE_TEST_DATABASE_URL", None)
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
        " for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY',"
        " 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE', 'SESSION_EXPIRE_AT_BROWSER_CLOSE',"
        " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_AGE']}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    flags = json.loads(result.stdout)
    assert flags == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_AGE": 1800,
    }


def test_idle_minutes_and_lockout_come_from_the_environment(tmp_path):
    env = {
        **os.environ,
        "ALLIANCE_MODE": "demo",
        "ALLIANCE_HOME": str(tmp_path),
        "ALLIANCE_IDLE_MINUTES": "10",
        "ALLIANCE_LOGIN_FAILURE_LIMIT": "3",
        "ALLIANCE_LOCKOUT_MINUTES": "60",
        "DJANGO_SETTINGS_MODULE": "alliance.web.settings",
    }
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["600", "3", "1.0"]
    bad = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**env, "ALLIANCE_IDLE_MINUTES": "soon"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0
    assert "ALLIANCE_IDLE_MINUTES must be an integer" in bad.stderr
