"""A practitioner logs in, opens the caseload and a client, logs a session and moves a phase."""

from __future__ import annotations

import re

import pytest

from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Client, Session
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_practitioner_logs_a_session_and_moves_a_phase(page, live_server, transactional_db):
    load_demo_practice()
    log_in(page, live_server.url, "therapist")
    page.wait_for_url(re.compile(r".*/caseload/$"))
    assert page.get_by_role("heading", name="Caseload").is_visible()
    rows = page.locator("table.caseload tbody tr")
    assert rows.count() >= 5
    screenshot(page, "caseload")

    # The first client in the engagement phase.
    row = rows.filter(has_text="Engagement").first
    code = row.locator("th a").inner_text()
    row.locator("th a").click()
    page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name=code).is_visible()
    screenshot(page, "client")
    client = Client.objects.get(code=code)
    sessions_before = Session.objects.filter(episode__client=client).count()

    page.get_by_role("link", name="Log a session").first.click()
    page.get_by_label("Duration (minutes)").fill("55")
    page.get_by_label("Format").select_option("video")
    page.get_by_label("Session note (encrypted)").fill("Agreed what to focus on next.")
    screenshot(page, "session-form")
    page.get_by_role("button", name="Save session").click()
    # The instruments due become one check for the client, ready to hand over.
    page.wait_for_url(re.compile(r".*/checks/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name="The client's check").is_visible()
    assert page.locator(".qrcode svg").count() == 1
    screenshot(page, "check-handover")
    page.get_by_role("link", name="Back to the session").click()
    page.wait_for_url(re.compile(r".*/sessions/[0-9a-f-]{36}/$"))
    assert page.get_by_text("Agreed what to focus on next.").is_visible()
    assert Session.objects.filter(episode__client=client).count() == sessions_before + 1

    page.get_by_role("link", name=code).click()
    page.get_by_role("link", name="Move phase").first.click()
    assert page.get_by_label("Move to phase").input_value() == "assessment"
    page.get_by_role("button", name="Confirm phase change").click()
    assert page.get_by_text("Tick the box to confirm the phase change.").is_visible()
    page.get_by_label("Yes, record this phase change").check()
    page.get_by_role("button", name="Confirm phase change").click()
    page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/$"))
    current = page.locator(".phasebar [aria-current=step]").first
    assert current.inner_text().endswith("Assessment & goal setting")
    screenshot(page, "client-after-phase")


def test_bad_session_date_shows_the_error_at_the_field(page, live_server, transactional_db):
    load_demo_practice()
    log_in(page, live_server.url, "coach")
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.locator("table.caseload tbody tr th a").first.click()
    page.get_by_role("link", name="Log a session").first.click()
    page.get_by_label("Date and time").fill("2000-01-01T10:00")
    page.get_by_role("button", name="Save session").click()
    error = page.locator("#id_starts_at_error")
    assert "cannot be before that" in error.inner_text()
    screenshot(page, "session-form-error")


def test_keyboard_users_can_skip_to_content(page, live_server, transactional_db):
    load_demo_practice()
    page.goto(f"{live_server.url}/login/")
    # The username field has focus on arrival, so the form is usable straight away.
    assert page.evaluate("document.activeElement.id") == "id_username"
    log_in(page, live_server.url, "counsellor")
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
