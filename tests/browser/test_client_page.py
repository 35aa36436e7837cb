"""The client, prep and session pages at 1366×900 and on a 390 px phone.

The client page leads with the open episode ("Log a session" on the first screen), no page
is wider than the phone, and the charts stay legible: tick labels of at least 11 px, band
and phase labels off the data, and a legend swatch for every line drawn.
"""

from __future__ import annotations

import pytest

from alliance.web.collaboration.demo import load_demo_collaboration
from alliance.web.insights.demo import load_demo_measures
from alliance.web.measures.models import MeasureResponse
from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Episode
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
def sized_page(request, chromium_browser):
    context = chromium_browser.new_context(viewport=SIZES[request.param], locale="en-GB")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/caseload/")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def _demo_episode(practitioner: str) -> Episode:
    """The practitioner's open episode with the most scored outcome measures."""
    org = load_demo_practice()
    load_demo_measures(org)
    load_demo_collaboration(org)
    episodes = Episode.objects.filter(
        organisation=org, practitioner__username=practitioner, ended_on__isnull=True
    )
    return max(
        episodes,
        key=lambda e: MeasureResponse.objects.filter(
            session__episode=e, instrument_id__in=["phq9", "gad7"]
        ).count(),
    )


def test_client_page_leads_with_the_open_episode(sized_page, live_server, transactional_db):
    page = sized_page
    episode = _demo_episode("therapist")
    _log_in(page, live_server.url, "therapist")
    page.goto(f"{live_server.url}/clients/{episode.client.public_id}/")
    _shot(page, "client-page")
    log = page.get_by_role("link", name="Log a session")
    assert log.count() == 1
    box = log.bounding_box()
    # On the first screen without scrolling.
    assert box["y"] + box["height"] <= page.viewport_size["height"], box
    # The top-right action fits the state: no "Start an episode" while one is open.
    assert page.get_by_role("link", name="Start an episode").count() == 0
    # Order: the open episode, goals and tasks, charts, then consent and data rights.
    tops = page.evaluate(
        """() => ['.episode-now', '.collaboration', '.insights', '#research-consent']
            .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert tops == sorted(tops), tops
    # One "Sources" disclosure, listing the citations once.
    assert page.locator("details.sources").count() == 1
    assert page.locator("ul.citations").count() == 1
    _no_horizontal_overflow(page)


def test_charts_are_legible_and_their_legends_match(sized_page, live_server, transactional_db):
    page = sized_page
    episode = _demo_episode("therapist")
    _log_in(page, live_server.url, "therapist")
    page.goto(f"{live_server.url}/clients/{episode.client.public_id}/")
    figures = page.locator("figure.insight-chart")
    assert figures.count() >= 2
    for i in range(figures.count()):
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        facts = figure.evaluate(
            """f => {
              const svg = [...f.querySelectorAll('.chart-frame svg.chart')]
                .find(s => s.getBoundingClientRect().width > 0);
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              const px = t => parseFloat(getComputedStyle(t).fontSize) * scale;
              const plot = svg.querySelector('rect.plot').getBBox();
              const keys = new Set([...f.querySelectorAll('.legend svg.legend-key *')]
                .map(e => e.getAttribute('class')));
              const drawn = new Set([...svg.querySelectorAll('polyline.series, line.hline')]
                .map(e => e.getAttribute('class')));
              return {
                ticks: [...svg.querySelectorAll('text.tick')].map(px),
                bands: [...svg.querySelectorAll('text.band-label')].map(t => t.getBBox().x),
                bandPx: [...svg.querySelectorAll('text.band-label')].map(px),
                phases: [...svg.querySelectorAll('text.span-label')].map(t => [
                  t.textContent, t.getBBox().y + t.getBBox().height]),
                plotRight: plot.x + plot.width, plotTop: plot.y,
                missing: [...drawn].filter(c => !keys.has(c)),
                swatches: [...f.querySelectorAll('.legend li')].length,
                table: f.querySelectorAll('details.chart-data table tbody tr').length,
                frameOverflow: svg.parentElement.scrollWidth - svg.parentElement.clientWidth,
              };
            }"""
        )
        assert facts["ticks"] and min(facts["ticks"]) >= 11, facts["ticks"]
        assert all(x >= facts["plotRight"] for x in facts["bands"]), facts
        assert all(px >= 11 for px in facts["bandPx"]), facts
        for text, bottom in facts["phases"]:
            assert len(text) > 2 and bottom <= facts["plotTop"], facts["phases"]
        assert facts["missing"] == [], facts["missing"]
        assert facts["table"] >= 1
    _shot(page, "client-charts")
    _no_horizontal_overflow(page)


def test_prep_prepares_the_next_session_and_its_tables_fit(
    sized_page, live_server, transactional_db
):
    page = sized_page
    episode = _demo_episode("therapist")
    last = episode.sessions.order_by("-number").first()
    _log_in(page, live_server.url, "therapist")
    page.goto(f"{live_server.url}/clients/{episode.client.public_id}/")
    page.get_by_role("link", name="Prepare the next session").first.click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"Prepare session {last.number + 1}"
    _shot(page, "prep-next")
    table = page.locator("#prep-alliance ~ .tablewrap table").first
    wrap = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert wrap[0] <= wrap[1], wrap  # nothing clipped or hidden behind a scroll
    for label in ("Total", "Subscales", "Change"):
        cell = table.locator(f"tbody td[data-label='{label}']").first
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    assert page.locator("details.sources").count() == 1
    _no_horizontal_overflow(page)
    page.goto(f"{live_server.url}/sessions/{last.public_id}/")
    _shot(page, "session-page")
    assert page.locator("details.sources").count() == 1
    _no_horizontal_overflow(page)


@pytest.mark.parametrize("practitioner", ["therapist", "coach"])
def test_every_open_client_page_has_log_a_session_on_the_first_screen(
    sized_page, live_server, transactional_db, practitioner
):
    page = sized_page
    episode = _demo_episode(practitioner)
    episodes = Episode.objects.filter(
        practitioner=episode.practitioner, ended_on__isnull=True
    ).select_related("client")
    _log_in(page, live_server.url, practitioner)
    for open_episode in episodes:
        page.goto(f"{live_server.url}/clients/{open_episode.client.public_id}/")
        box = page.get_by_role("link", name="Log a session").bounding_box()
        assert box["y"] + box["height"] <= page.viewport_size["height"], (
            open_episode.client.code,
            box,
        )
        _no_horizontal_overflow(page)
        if practitioner == "coach":
            text = page.locator("main").inner_text()
            for word in (
                "episode of care",
                "Referral reason",
                "clinical cut-off",
                "Clinical cut-off",
                "clinical intake score",
                "Shared formulation",
            ):
                assert word not in text, (open_episode.client.code, word)
