"""A researcher logs in, sees consent counts and the Alliance Check's reliability, and
downloads a pseudonymised CSV data set."""

from __future__ import annotations

import io
import json
import random
import re
import zipfile

import pandas as pd
import pytest

from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Client, Episode
from alliance.web.research.demo import load_demo_consents
from tests.browser.conftest import axe_violations, format_violations, overflow_width, screenshot
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


def test_researcher_fits_a_prebuilt_model_and_the_pages_pass_axe(
    axe_page, live_server, transactional_db, tmp_path
):
    page = axe_page
    load_demo_consents(load_demo_practice())
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("researcher")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/$"))
    page.goto(f"{live_server.url}/research/")
    page.get_by_role("link", name="Fit a model").click()
    page.get_by_label("Start from a prebuilt model").select_option("cfa")
    page.get_by_role("button", name="Fill in the form").click()
    assert "alliance_check_1" in page.get_by_label("Model (lavaan syntax)").input_value()
    page.get_by_role("button", name="Fit the model").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Result").is_visible()
    assert page.locator("[data-fit=cfi]").is_visible()
    failures = {}
    if violations := axe_violations(page):
        failures["result"] = violations
    if page.viewport_name == "phone" and (extra := overflow_width(page)):
        failures["result (wider than the phone)"] = f"{extra}px"
    screenshot(page, "research-fit")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download this fit as JSON").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(str(path))
    payload = json.loads(path.read_text())
    assert payload["parameters"][0]["op"] == "=~"

    page.get_by_label("Model (lavaan syntax)").fill("alliance =~ alliance_check_1 + nope")
    page.get_by_role("button", name="Fit the model").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").filter(has_text="Unknown column in the model: nope").count()
    if violations := axe_violations(page):
        failures["error"] = violations
    assert not failures, format_violations(failures)
