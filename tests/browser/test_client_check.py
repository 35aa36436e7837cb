"""The client's check on a phone (390×844): open the link, answer, see the thank-you."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from alliance.web.measures import actions
from alliance.web.measures.models import Check, MeasureResponse
from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Episode
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(chromium_browser):
    context = chromium_browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)


def open_check():
    load_demo_practice()
    episode = (
        Episode.objects.filter(service="therapy", ended_on__isnull=True).order_by("id").first()
    )
    session = episode.sessions.order_by("-number").first()
    session.checks.all().delete()
    check, token = actions.create_check(episode.practitioner, session)
    return episode, session, check, token


def answer(page, instrument_id: str, values: dict[str, str]):
    for item, value in values.items():
        page.locator(f"input[name='{instrument_id}-{item}'][value='{value}']").check(force=True)


def test_client_answers_on_a_phone_and_the_practitioner_sees_the_score(
    phone, live_server, transactional_db
):
    episode, session, check, token = open_check()
    phone.goto(f"{live_server.url}/c/{token}/")
    assert phone.get_by_text("Part 1 of 3").is_visible()
    # The client sees a plain title: no validation status, licence or citation.
    text = phone.locator("main").inner_text()
    assert phone.get_by_role("heading", level=1).inner_text() == "Alliance Check"
    assert "not validated" not in text and "Licence" not in text and "Alliance project" not in text
    shot(phone, "check-step-1")
    # Forgetting a question shows where, and keeps the answers given.
    answer(phone, "alliance-check", {"1": "8", "2": "7", "4": "8", "5": "0"})
    phone.get_by_role("button", name="Next").click()
    assert phone.get_by_text("Please choose an answer to this question.").first.is_visible()
    shot(phone, "check-missing-answer")
    answer(phone, "alliance-check", {"3": "9"})
    phone.get_by_role("button", name="Next").click()
    assert phone.get_by_text("Part 2 of 3").is_visible()
    answer(phone, "phq9", {str(i): "1" for i in range(1, 9)} | {"9": "0"})
    phone.get_by_role("button", name="Next").click()
    answer(phone, "gad7", {str(i): "2" for i in range(1, 8)})
    shot(phone, "check-step-3")
    phone.get_by_role("button", name="Send my answers").click()
    phone.wait_for_url(re.compile(r".*/thanks/$"))
    assert phone.get_by_role("heading", name="Thank you").is_visible()
    shot(phone, "check-thanks")
    assert MeasureResponse.objects.filter(session=session, rater="client").count() == 3

    # The used link: a kind page, nothing stored twice.
    phone.goto(f"{live_server.url}/c/{token}/")
    assert phone.get_by_role("heading", name="Thank you").is_visible()
    assert MeasureResponse.objects.filter(session=session, rater="client").count() == 3

    # The practitioner sees the scored result.
    desk = phone.context.browser.new_page(viewport={"width": 1280, "height": 900})
    desk.goto(f"{live_server.url}/login/")
    desk.get_by_label("Username").fill(episode.practitioner.username)
    desk.get_by_label("Password").fill(DEMO_PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{live_server.url}/sessions/{session.public_id}/")
    table = desk.locator("table.scores")
    assert table.get_by_text("PHQ-9").is_visible()
    assert table.get_by_text("GAD-7").is_visible()
    desk.screenshot(path=str(SCREENSHOTS / "session-scores-desktop.png"), full_page=True)
    # The practitioner's check page leads to the answered scores.
    desk.goto(f"{live_server.url}/checks/{check.public_id}/")
    desk.get_by_role("link", name=f"See the scores of session {session.number}").click()
    desk.wait_for_url(re.compile(r".*/sessions/[0-9a-f-]{36}/#measures$"))
    assert desk.locator("#measures table.scores").get_by_text("PHQ-9").is_visible()
    desk.close()


def test_expired_link_shows_a_kind_page(phone, live_server, transactional_db):
    _episode, session, check, token = open_check()
    Check.objects.filter(pk=check.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    phone.goto(f"{live_server.url}/c/{token}/")
    assert phone.get_by_role("heading", name="This link has expired").is_visible()
    shot(phone, "check-expired")
    assert not MeasureResponse.objects.filter(session=session, rater="client").exists()


def test_tablet_mode_returns_to_a_neutral_page(phone, live_server, transactional_db):
    episode, session, check, token = open_check()
    page = phone.context.browser.new_page(viewport={"width": 820, "height": 1180})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(episode.practitioner.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/checks/{check.public_id}/")
    page.get_by_role("button", name="Start tablet mode").click()
    page.wait_for_url(re.compile(rf".*/c/{re.escape(token)}/$"))
    answer(page, "alliance-check", {"1": "6", "2": "6", "3": "7", "4": "6", "5": "0"})
    page.get_by_role("button", name="Next").click()
    answer(page, "phq9", {str(i): "0" for i in range(1, 10)})
    page.get_by_role("button", name="Next").click()
    answer(page, "gad7", {str(i): "0" for i in range(1, 8)})
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("Please hand the device back to your practitioner.").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "check-tablet-thanks-tablet.png"), full_page=True)
    assert page.locator("nav").count() == 0
    page.go_back()
    page.go_back()
    page.goto(f"{live_server.url}/caseload/")
    assert "/login/" in page.url
    page.close()
