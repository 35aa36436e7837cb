"""A visitor reads the coach's public page, sends an intake request; the coach accepts it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from alliance.web.intake.demo import load_demo_pages
from alliance.web.intake.models import IntakeRequest, IntakeStatus
from alliance.web.journal.demo import load_demo_journal
from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_public_page_and_intake_end_to_end(page, live_server, transactional_db):
    cache.clear()
    organisation = load_demo_journal_practice()
    base = live_server.url

    page.goto(f"{base}/practice/{organisation.slug}/")
    assert page.get_by_role("heading", name="Riverside Counselling & Coaching").is_visible()
    # The calm public look: no staff navigation.
    assert page.locator("nav.mainnav").count() == 0
    screenshot(page, "practice-page")

    page.get_by_role("link", name=re.compile("Jonas Weber")).click()
    page.wait_for_url(re.compile(r".*/practice/riverside/coach/$"))
    assert page.get_by_role("heading", name=re.compile("Jonas Weber")).is_visible()
    # The honeypot is in the form but out of sight.
    honeypot = page.locator(".hp")
    assert honeypot.evaluate("e => e.getBoundingClientRect().right") <= 0
    assert honeypot.get_attribute("aria-hidden") == "true"

    # A first try without consent: the error is at the field.
    page.get_by_label("Your name").fill("Charlie Newcomer")
    page.get_by_label("How can we reach you?").fill("charlie@example.org")
    page.get_by_label("What would you like help with?").fill(
        "I want to move from teaching into user research."
    )
    page.get_by_label("Preferred format (optional)").select_option("video")
    page.get_by_role("button", name="Send request").click()
    error = page.locator("#id_consent_to_contact_error")
    assert "agree to be contacted" in error.inner_text()
    screenshot(page, "intake-error")
    page.get_by_label(re.compile("I agree to be contacted")).check()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r".*/practice/riverside/sent/(#intake)?$"))
    assert page.get_by_role("heading", name="Thank you for getting in touch").is_visible()
    screenshot(page, "intake-sent")

    assert IntakeRequest.objects.count() == 2  # the demo's request and this one
    request = IntakeRequest.objects.order_by("-id").first()
    assert request.name == "Charlie Newcomer"
    assert request.practitioner.username == "coach"

    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("coach")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.goto(f"{base}/intake/")
    card = page.locator("article.intake-request", has_text="Charlie Newcomer")
    assert card.is_visible()
    screenshot(page, "intake-queue")
    card.get_by_role("button", name="Accept into a new episode").click()
    page.wait_for_url(re.compile(r".*/clients/[0-9a-f-]{36}/$"))
    assert page.get_by_text(re.compile("Accepted: client")).is_visible()
    screenshot(page, "intake-accepted")

    request.refresh_from_db()
    assert request.status == IntakeStatus.ACCEPTED
    assert request.episode.phase == "engagement"
    assert request.episode.practitioner.username == "coach"


def load_demo_journal_practice():
    organisation = load_demo_practice()
    load_demo_journal(organisation)
    load_demo_pages(organisation)
    return organisation


def test_therapist_sees_journal_and_self_care(page, live_server, transactional_db):
    load_demo_journal_practice()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("therapist")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.goto(f"{base}/journal/")
    assert page.locator(".journal-item").count() == 3
    screenshot(page, "journal")
    page.goto(f"{base}/self-care/")
    assert page.locator("svg[role=img]").count() == 1
    assert page.get_by_role("heading", name="Your load").is_visible()
    screenshot(page, "self-care")
