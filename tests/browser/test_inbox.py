"""A practitioner works through the alert inbox and reads a client's alliance chart."""

from __future__ import annotations

import re

import pytest

from alliance.web.insights.demo import load_demo_measures
from alliance.web.insights.models import Alert, AlertState
from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))


def test_inbox_resolve_an_alert_and_read_a_chart(page, live_server, transactional_db):
    org = load_demo_practice()
    stories = {story: code for code, story in load_demo_measures(org).items()}
    log_in(page, live_server.url, "therapist")
    screenshot(page, "caseload-by-risk")
    first = page.locator("table.caseload tbody tr").first
    assert first.locator("th a").inner_text() == stories["critical"]

    page.get_by_role("link", name="Inbox").first.click()
    page.wait_for_url(re.compile(r".*/inbox/$"))
    assert page.get_by_role("heading", name="Inbox").is_visible()
    cards = page.locator("li.alert-card")
    assert "Critical answer" in cards.first.inner_text()
    assert "cannot be snoozed" in cards.first.inner_text()
    screenshot(page, "inbox")

    rupture = cards.filter(has_text="Alliance rupture").filter(has_text=stories["unrepaired"]).first
    # Evidence in plain words; the guidance is folded away until opened.
    assert "alliance rating fell from" in rupture.inner_text()
    assert "self_report" not in rupture.inner_text()
    assert not rupture.get_by_text("3RS strategy").first.is_visible()
    rupture.get_by_text("What you could do").click()
    assert rupture.get_by_text("3RS strategy").first.is_visible()
    rupture.get_by_text("Resolve", exact=True).click()
    rupture.get_by_label("What did you do?").fill("Talked about the tension; agreed to slow down.")
    screenshot(page, "inbox-resolving")
    rupture.get_by_role("button", name="Resolve alert").click()
    page.wait_for_url(re.compile(r".*/inbox/$"))
    assert page.get_by_text("Alert resolved.").is_visible()
    resolved = Alert.objects.get(
        organisation=org, type="rupture", episode__client__code=stories["unrepaired"]
    )
    assert resolved.state == AlertState.RESOLVED
    assert resolved.resolved_note == "Talked about the tension; agreed to slow down."

    page.get_by_role("link", name="Caseload by risk").click()
    page.get_by_role("link", name=stories["repaired"], exact=True).first.click()
    page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/$"))
    chart = page.locator("figure.insight-chart").first
    assert "Alliance over sessions" in chart.inner_text()
    assert (
        chart.locator("svg[role=img] title")
        .first.text_content()
        .startswith("Alliance over sessions")
    )
    assert chart.locator(".mark-rupture").count() >= 1
    assert chart.locator(".mark-repair").count() >= 1
    chart.get_by_text(re.compile("^Data table")).click()
    assert chart.locator("table").is_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, "client-chart")
