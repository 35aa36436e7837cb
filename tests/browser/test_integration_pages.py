"""The pages of tokens, webhooks, data rights and retention in a real browser: usable, labelled."""

from __future__ import annotations

import re

import pytest

from alliance.web.practice.demo import load_demo_practice
from alliance.web.practice.models import Client
from alliance.web.security.demo import enrol_demo_admin
from tests.browser.conftest import screenshot
from tests.browser.test_security import current_code, password_step

pytestmark = pytest.mark.browser

UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter(e => e.type !== 'hidden' && e.type !== 'submit' && !e.closest('[hidden]'))
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                 && !e.getAttribute('aria-labelledby'))
    .map(e => e.outerHTML.slice(0, 120))"""


WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(e => !e.closest('.tablewrap'))
    .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def assert_labelled(page):
    """Every control has a label, and nothing but a scrollable table is wider than the screen."""
    assert page.evaluate(UNLABELLED) == [], page.url
    assert page.evaluate(WIDER_THAN_SCREEN) == [], page.url
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], (page.url, width)


def test_an_admin_registers_a_webhook_and_sets_retention(page, live_server, transactional_db):
    load_demo_practice()
    enrol_demo_admin()
    base = live_server.url
    password_step(page, base, "admin")
    page.get_by_label("Code").fill(current_code("admin"))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))

    page.get_by_role("link", name="Webhooks").first.click()
    page.wait_for_url(re.compile(r".*/webhooks/$"))
    page.get_by_role("link", name=re.compile("Register|Add|New", re.I)).first.click()
    assert_labelled(page)
    page.get_by_label("Payload URL").fill("not a url")
    page.get_by_role("button", name=re.compile("Register|Save|Add", re.I)).first.click()
    assert page.get_by_text(re.compile("Payload URL: ")).first.is_visible()
    page.get_by_label("Payload URL").fill("http://127.0.0.1:9/alliance-events")
    page.get_by_role("button", name=re.compile("Register|Save|Add", re.I)).first.click()
    assert page.get_by_text(re.compile("secret", re.I)).first.is_visible()
    screenshot(page, "webhook-registered")

    page.goto(f"{base}/retention/")
    assert_labelled(page)
    screenshot(page, "retention-settings")
    page.goto(f"{base}/api/tokens/")
    assert_labelled(page)
    screenshot(page, "api-tokens-admin")


def test_a_practitioner_exports_and_sees_what_erasure_would_remove(
    page, live_server, transactional_db
):
    organisation = load_demo_practice()
    client = (
        Client.objects.filter(organisation=organisation, practitioner__username="therapist")
        .order_by("code")
        .first()
    )
    base = live_server.url
    password_step(page, base, "therapist")
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.goto(f"{base}/clients/{client.public_id}/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download", re.I)).first.click()
    assert download.value.suggested_filename.startswith(f"alliance-{client.code}-")
    page.goto(f"{base}/clients/{client.public_id}/erase/")
    assert_labelled(page)
    assert page.get_by_text(client.code).first.is_visible()
    screenshot(page, "client-erase-confirmation")
    page.goto(f"{base}/api/tokens/")
    assert_labelled(page)
    screenshot(page, "api-tokens")
