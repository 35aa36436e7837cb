"""Each outcome dashboard and the progress report in a real browser, at desktop and phone
sizes, for the role it is meant for; nobody else can open it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from playwright.sync_api import expect

from alliance.web.accounts.models import User
from alliance.web.outcomes.demo import load_demo_outcomes
from alliance.web.practice.demo import load_demo_practice
from alliance.web.practice.models import Episode
from tests.browser.conftest import screenshot
from tests.factories import pass_second_factor

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def sized_page(request, chromium_browser):
    context = chromium_browser.new_context(viewport=SIZES[request.param], locale="en-GB")
    context.set_default_timeout(20000)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def _sign_in(page, live_server, username: str) -> None:
    """Give the browser a signed-in session (past the second factor where one is needed)."""
    user = User.objects.get(username=username)
    client = DjangoClient()
    client.force_login(user)
    pass_second_factor(client, user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"page is {width}px wide in a {inner}px window"


def _open(page, live_server, path: str, heading: str, name: str) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200
    assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    _no_horizontal_overflow(page)
    screenshot(page, name)


def test_each_dashboard_for_its_role(sized_page, live_server, transactional_db):
    page = sized_page
    org = load_demo_practice()
    load_demo_outcomes(org, per_practitioner=12)

    _sign_in(page, live_server, "therapist")
    _open(page, live_server, "/outcomes/mine/", "My outcomes", "outcomes-mine")
    assert page.get_by_role("link", name="My outcomes").is_visible() or (
        page.viewport_name == "phone"
    )
    assert page.get_by_text("NHS Talking Therapies recovery standard").first.is_visible()
    assert page.get_by_role("heading", name="Beside the practice").is_visible()
    assert page.get_by_role("heading", name="Read these with care").is_visible()
    assert page.get_by_text(re.compile(r"\d+% \(\d+%–\d+%\)")).first.is_visible()
    assert page.goto(f"{live_server.url}/outcomes/practice/").status == 404

    _sign_in(page, live_server, "supervisor")
    _open(page, live_server, "/outcomes/supervision/", "Outcomes by practitioner", "outcomes-sup")
    assert page.get_by_role("heading", name="Alex Morgan", exact=True).is_visible()
    assert page.get_by_role("heading", name="Priya Shah", exact=True).is_visible()
    assert page.goto(f"{live_server.url}/outcomes/mine/").status == 404

    _sign_in(page, live_server, "admin")
    _open(page, live_server, "/outcomes/practice/", "Practice outcomes", "outcomes-practice")
    assert page.get_by_role("heading", name="Whole practice").is_visible()
    assert page.get_by_role("heading", name="Coaching").is_visible()
    assert page.goto(f"{live_server.url}/outcomes/research/").status == 404

    _sign_in(page, live_server, "researcher")
    _open(
        page,
        live_server,
        "/outcomes/research/",
        "Alliance and outcome: whose part?",
        "outcomes-research",
    )
    assert page.get_by_text("Between practitioners (the practitioner's part)").is_visible()
    assert page.goto(f"{live_server.url}/outcomes/supervision/").status == 404


def test_the_progress_report_prints_and_downloads(sized_page, live_server, transactional_db):
    page = sized_page
    org = load_demo_practice()
    load_demo_outcomes(org, per_practitioner=1)
    episode = Episode.objects.filter(
        practitioner__username="therapist", ended_on__isnull=False
    ).latest("id")
    path = f"/outcomes/clients/{episode.client.public_id}/report/?episode={episode.public_id}"
    _sign_in(page, live_server, "counsellor")
    assert page.goto(f"{live_server.url}{path}").status == 404
    _sign_in(page, live_server, "therapist")
    # the practitioner chooses the client from My outcomes
    page.goto(f"{live_server.url}/outcomes/mine/")
    page.get_by_role("link", name="A client's progress report").click()
    expect(page.get_by_role("heading", name="Progress reports")).to_be_visible()
    _no_horizontal_overflow(page)
    page.get_by_role("link", name=episode.client.code, exact=True).click()
    expect(page.get_by_role("heading", name="Progress report", exact=True)).to_be_visible()
    _open(page, live_server, path, "Progress report", "progress-report")
    assert page.get_by_role("heading", name="Scores over time").is_visible()
    assert page.locator("svg.band-chart").first.is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Update").is_visible()
    assert page.get_by_role("heading", name="Attendance").is_visible()
    page.emulate_media(media="screen")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"progress-{episode.client.code}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
