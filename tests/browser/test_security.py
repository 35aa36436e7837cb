"""Signing in with a second factor in a real browser, and no page breaks the CSP."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.web.collaboration.demo import load_demo_collaboration
from alliance.web.insights.demo import load_demo_measures
from alliance.web.intake.demo import load_demo_pages
from alliance.web.journal.demo import load_demo_journal
from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Client
from alliance.web.research.demo import load_demo_consents
from alliance.web.security.demo import enrol_demo_admin
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def current_code(username: str) -> str:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def password_step(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_admin_signs_in_with_password_and_code(page, live_server, transactional_db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # retry at once after the wrong code
    load_demo_practice()
    enrol_demo_admin()
    base = live_server.url
    password_step(page, base, "admin")
    page.wait_for_url(re.compile(r".*/login/verify/\?next=.*"))
    assert page.get_by_role("heading", name="Enter your code").is_visible()
    screenshot(page, "two-factor-step")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("That code is not right").is_visible()
    page.get_by_label("Code").fill(current_code("admin"))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.goto(f"{base}/audit/")
    assert page.get_by_role("heading", name=re.compile("Audit")).first.is_visible()


def test_a_practitioner_enrols_by_typing_the_key(page, live_server, transactional_db):
    load_demo_practice()
    base = live_server.url
    password_step(page, base, "coach")
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.get_by_role("link", name="Set it up").click()
    page.wait_for_url(re.compile(r".*/account/two-factor/enrol/$"))
    assert page.locator("figure.security-qr svg").is_visible()
    screenshot(page, "two-factor-enrol")
    device = TOTPDevice.objects.get(user__username="coach", confirmed=False)
    typed = page.locator(".security-secret code").inner_text().replace(" ", "")
    from base64 import b32encode

    assert typed == b32encode(device.bin_key).decode()
    page.get_by_label("Code").fill(
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    )
    page.get_by_role("button", name="Confirm and turn on").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator("ul.recovery-codes li").count() == 10
    screenshot(page, "two-factor-recovery-codes")


def test_no_page_violates_the_content_security_policy(page, live_server, transactional_db):
    organisation = load_demo_practice()
    load_demo_measures(organisation)
    load_demo_consents(organisation)
    load_demo_collaboration(organisation)
    load_demo_journal(organisation)
    load_demo_pages(organisation)
    base = live_server.url
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: violations.append(f"{page.url}: {error}"))

    client = (
        Client.objects.filter(organisation=organisation, practitioner__username="therapist")
        .order_by("code")
        .first()
    )
    episode = client.episodes.order_by("started_on").first()
    session = episode.sessions.order_by("number").first() if episode else None
    pages = {
        "therapist": [
            "/caseload/",
            "/clients/",
            f"/clients/{client.public_id}/",
            "/inbox/",
            "/journal/",
            "/self-care/",
            "/intake/",
            "/account/two-factor/",
            "/account/two-factor/enrol/",
        ],
        "researcher": ["/", "/research/"],
    }
    if session is not None:
        pages["therapist"].append(f"/sessions/{session.public_id}/")
    for username, paths in pages.items():
        password_step(page, base, username)
        page.wait_for_load_state()
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status < 400, (username, path)
            page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
    for path in ("/login/", f"/practice/{organisation.slug}/", "/api/v1/docs"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    # The API's browsable docs (Swagger UI from django-ninja's own static files) rendered.
    assert page.get_by_role("heading", name="Alliance API").first.is_visible()
    assert page.locator(".opblock").count() > 20
    assert not violations, "\n".join(violations)
