"""Goal writing in the practitioner's pages, then the client's portal on a phone (390×844)."""

from __future__ import annotations

import re

import pytest

from alliance.web.accounts.models import Role
from alliance.web.collaboration.models import ClientNote, Goal, Task
from tests.browser.conftest import SCREENSHOTS
from tests.factories import (
    PASSWORD,
    make_client,
    make_episode,
    make_organisation,
    make_session,
    make_user,
)

pytestmark = pytest.mark.browser


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_goal_written_with_the_client_then_seen_and_ticked_on_a_phone(
    chromium_browser, live_server, transactional_db
):
    org = make_organisation("Harbour Coaching")
    practitioner = make_user(org, Role.PRACTITIONER, username="coach")
    client = make_client(practitioner)
    episode = make_episode(client, service="coaching")
    make_session(episode)

    desk_context = chromium_browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    desk_context.set_default_timeout(15000)
    desk = desk_context.new_page()
    desk.goto(f"{live_server.url}/login/")
    desk.get_by_label("Username").fill("coach")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{live_server.url}/clients/{client.public_id}/")
    desk.get_by_role("link", name="Write a goal").click()
    desk.get_by_label("Goal, in the client's words").fill("Apply for two jobs I actually want")
    desk.get_by_label("+2 much more than expected").fill("Three applications and an interview")
    desk.get_by_label("+1 somewhat more than expected").fill("Three applications")
    desk.get_by_label("0 the expected outcome").fill("Two applications sent")
    desk.get_by_label("−1 somewhat less than expected").fill("One application sent")
    desk.get_by_label("−2 much less than expected").fill("No application")
    desk.get_by_label("Importance weight (1–10)").fill("3")
    shot(desk, "goal-form-desktop")
    desk.get_by_role("button", name="Save goal").click()
    desk.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/"))
    assert desk.get_by_text("Apply for two jobs I actually want").is_visible()
    assert Goal.objects.get().weight == 3

    desk.get_by_role("link", name="Agree a task").click()
    desk.get_by_label("What was agreed").fill("Update my CV")
    desk.get_by_role("button", name="Save task").click()
    desk.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/"))
    shot(desk, "client-goals-desktop")

    desk.get_by_role("link", name="Client portal").click()
    desk.get_by_role("button", name="Make a portal link and PIN").click()
    url = desk.locator(".portal-url").inner_text().strip()
    pin = desk.locator(".portal-pin").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin)
    shot(desk, "portal-handover-desktop")
    desk_context.close()

    phone_context = chromium_browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    phone_context.set_default_timeout(15000)
    phone = phone_context.new_page()
    phone.goto(url)
    phone.get_by_label("Your PIN").fill("000000" if pin != "000000" else "111111")
    phone.get_by_role("button", name="Open my space").click()
    assert phone.get_by_text("4 tries left").is_visible()
    shot(phone, "portal-wrong-pin-phone")
    phone.get_by_label("Your PIN").fill(pin)
    phone.get_by_role("button", name="Open my space").click()
    assert phone.get_by_role("heading", name="Your goals").is_visible()
    assert phone.get_by_text("Apply for two jobs I actually want").is_visible()
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "portal-phone")
    phone.get_by_role("button", name="Mark as done").click()
    assert phone.get_by_text("your task list is updated").is_visible()
    assert Task.objects.get().status == "done"
    phone.get_by_label("Something I want to bring up next time").fill("My interview nerves")
    phone.get_by_role("button", name="Send to my practitioner").click()
    assert phone.get_by_text("Your note will be there").is_visible()
    assert ClientNote.objects.get().text == "My interview nerves"
    shot(phone, "portal-after-actions-phone")
    phone_context.close()


def test_the_portal_shows_the_clients_own_trends_as_small_charts_on_a_phone(
    chromium_browser, live_server, transactional_db
):
    from alliance.web.collaboration import actions
    from alliance.web.measures.models import MeasureResponse

    org = make_organisation("Harbour Counselling")
    practitioner = make_user(org, Role.PRACTITIONER)
    client = make_client(practitioner)
    episode = make_episode(client, service="counselling")
    for day, total in ((1, 17), (8, 13), (15, 9), (22, 7)):
        session = make_session(episode, days_after_start=day)
        MeasureResponse.objects.create(
            organisation=org,
            session=session,
            instrument_id="phq9",
            rater="client",
            total=total,
            scored=True,
        )
    _access, token, pin = actions.create_portal_access(practitioner, client)
    context = chromium_browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15000)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/p/{token}/")
    phone.get_by_label("Your PIN").fill(pin)
    phone.get_by_role("button", name="Open my space").click()
    chart = phone.locator("svg.trend-chart")
    assert chart.count() == 1 and chart.is_visible()
    chart.scroll_into_view_if_needed()
    sizes = chart.evaluate(
        """svg => {
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return [...svg.querySelectorAll('text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * scale);
        }"""
    )
    assert sizes and min(sizes) >= 11, sizes
    assert "17" in chart.inner_html() and "7" in chart.inner_html()
    text = phone.locator("main").inner_text()
    assert "not validated" not in text and "Licence" not in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "portal-trends-phone")
    context.close()
