"""A researcher logs in, sees consent counts and the Alliance Check's reliability, and
downloads a pseudonymised CSV data set."""

from __future__ import annotations

import io
import random
import re
import zipfile

import pandas as pd
import pytest

from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Client, Episode
from alliance.web.research.demo import load_demo_consents
from tests.browser.conftest import screenshot
from tests.web_research.conftest import answer_session

pytestmark = pytest.mark.browser


def _demo_with_answers():
    org = load_demo_practice()
    counts = load_demo_consents(org)
    rng = random.Random(11)
    # The demo's past clients come with their answers; answer for the current ones.
    current = Episode.objects.filter(organisation=org).exclude(sessions__responses__isnull=False)
    for episode in current.distinct().select_related("practitioner"):
        level = rng.uniform(0.3, 0.95)
        for session in episode.sessions.order_by("number")[:2]:
            answer_session(session, level, rng)
    return org, counts


def test_researcher_sees_reliability_and_downloads_a_csv_data_set(
    page, live_server, transactional_db, tmp_path
):
    org, counts = _demo_with_answers()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("researcher")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/$"))
    page.goto(f"{live_server.url}/research/")
    assert page.get_by_role("heading", name="Research", exact=True).is_visible()
    consenting = page.locator("[data-count=consenting]")
    assert consenting.inner_text() == str(counts["consenting"])
    assert page.locator("[data-count=withdrawn]").inner_text() == "1"
    alpha = page.locator("[data-stat=alpha]").first
    assert re.fullmatch(r"-?\d\.\d\d", alpha.inner_text())
    body = page.content()
    for code in Client.objects.filter(organisation=org).values_list("code", flat=True):
        assert code not in body
    screenshot(page, "research")

    builder = page.locator("section", has=page.get_by_role("heading", name="Build a data set"))
    builder.get_by_label("CSV").check()
    builder.get_by_label(re.compile(r"^Long")).check()
    with page.expect_download() as download_info:
        builder.get_by_role("button", name="Download data set").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    assert path.suffix == ".zip"
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith("-long.csv"))
        long = pd.read_csv(io.BytesIO(archive.read(name)))
    assert long["client_id"].nunique() <= counts["consenting"]
    assert long["client_id"].str.match(r"^C[0-9a-f]{20}$").all()

    page.reload()
    assert page.get_by_text(download.suggested_filename).is_visible()
    screenshot(page, "research-after-export")
