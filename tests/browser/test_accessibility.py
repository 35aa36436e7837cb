"""Every main page, for every persona, passes axe-core's WCAG 2.2 AA rules at desktop and
phone sizes, fits a 390 px phone, and leaves a full-page screenshot for the artefacts."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.web.collaboration.actions import create_portal_access
from alliance.web.collaboration.demo import load_demo_collaboration
from alliance.web.insights.demo import load_demo_measures
from alliance.web.intake.demo import load_demo_pages
from alliance.web.journal.demo import load_demo_journal
from alliance.web.journal.models import JournalEntry
from alliance.web.measures.actions import create_check
from alliance.web.practice.actions import record_session
from alliance.web.practice.demo import DEMO_PASSWORD, load_demo_practice
from alliance.web.practice.models import Attendance, Episode
from alliance.web.research.demo import load_demo_consents
from alliance.web.security.demo import enrol_demo_admin
from tests.browser.conftest import axe_violations, format_violations, overflow_width, screenshot
from tests.web_transcripts.samples import DRESING_PEHL, add_transcript

pytestmark = pytest.mark.browser


def _active(org, username: str) -> Episode:
    return (
        Episode.objects.filter(
            organisation=org, practitioner__username=username, ended_on__isnull=True
        )
        .select_related("client")
        .order_by("client__code")
        .last()
    )


def _last_attended(episode):
    return episode.sessions.filter(attendance=Attendance.ATTENDED).order_by("number").last()


def demo_pages(org) -> dict:
    """The main pages of each persona, and the client-facing links, on the demo practice."""
    therapy = _active(org, "therapist")
    counselling = _active(org, "counsellor")
    coaching = _active(org, "coach")
    session = _last_attended(therapy)
    # Today's session, not yet answered: a session holds one answer per measure.
    today = record_session(
        therapy.practitioner, therapy, starts_at=timezone.now(), attendance=Attendance.ATTENDED
    )
    check, token = create_check(therapy.practitioner, today)
    _access, portal_token, pin = create_portal_access(therapy.practitioner, therapy.client)
    transcript = add_transcript(session, DRESING_PEHL)
    entry = JournalEntry.objects.filter(author__username="therapist").first()
    client = f"/clients/{therapy.client.public_id}/"
    pages = {
        "therapist": [
            "/caseload/",
            "/clients/",
            client,
            f"/sessions/{session.public_id}/",
            f"/sessions/{session.public_id}/prep/",
            f"/episodes/{therapy.public_id}/plan/",
            f"/clients/{therapy.client.public_id}/portal/",
            f"/transcripts/{transcript.public_id}/",
            "/inbox/",
            "/journal/",
            "/self-care/",
            "/practice-page/",
            "/intake/",
            "/account/two-factor/",
            "/clients/new/",
            f"/sessions/{session.public_id}/edit/",
        ],
        "counsellor": ["/caseload/", f"/clients/{counselling.client.public_id}/", "/inbox/"],
        "coach": [
            "/caseload/",
            f"/clients/{coaching.client.public_id}/",
            f"/sessions/{_last_attended(coaching).public_id}/",
            "/inbox/",
            "/self-care/",
        ],
        "supervisor": ["/caseload/", "/inbox/", client, "/journal/"],
        "researcher": ["/research/", "/research/report/", "/research/fit/"],
        "admin": [
            "/caseload/",
            "/clients/",
            "/audit/",
            "/webhooks/",
            "/retention/",
            "/intake/",
            "/data-requests/",
        ],
    }
    if check is not None:
        pages["therapist"].append(f"/checks/{check.public_id}/")
    if entry is not None:
        pages["therapist"].append(f"/journal/{entry.public_id}/")
    return {
        "staff": pages,
        "check": f"/c/{token}/" if token else None,
        "portal": (f"/p/{portal_token}/", pin),
        "public": ["/login/", f"/practice/{org.slug}/", "/no/such/page/"],
    }


def sign_in(page, base: str, username: str, on_code_page=None) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if "/login/verify/" in page.url:
        if on_code_page is not None:
            on_code_page()
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        device.refresh_from_db()
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    assert "/login/" not in page.url, (username, page.url)


def _name(persona: str, path: str) -> str:
    slug = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "id", path)
    slug = re.sub(r"/c/[^/]+/|/p/[^/]+/", lambda m: m.group(0)[:3], slug)
    return f"{persona}-" + (re.sub(r"[^a-z0-9]+", "-", slug).strip("-") or "home")


def test_every_main_page_passes_axe_and_fits(axe_page, live_server, transactional_db, settings):
    page = axe_page
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    org = load_demo_practice()
    load_demo_measures(org)
    load_demo_consents(org)
    load_demo_collaboration(org)
    load_demo_journal(org)
    load_demo_pages(org)
    enrol_demo_admin()
    pages = demo_pages(org)
    base = live_server.url
    failures: dict[str, object] = {}
    checked = 0

    def check(persona: str, path: str, *, expect_status: int | None = None) -> None:
        nonlocal checked
        response = page.goto(f"{base}{path}")
        assert response is not None
        if expect_status is None:
            assert response.status < 400, (persona, path, response.status)
        else:
            assert response.status == expect_status, (persona, path, response.status)
        page.wait_for_load_state("networkidle")
        check_loaded(persona, path)

    def check_loaded(persona: str, path: str) -> None:
        nonlocal checked
        violations = axe_violations(page)
        if violations:
            failures[f"{persona} {path}"] = violations
        if page.viewport_name == "phone" and (extra := overflow_width(page)):
            failures[f"{persona} {path} (wider than the phone)"] = f"{extra}px"
        screenshot(page, _name(persona, path))
        checked += 1

    for persona, paths in pages["staff"].items():
        sign_in(
            page, base, persona, on_code_page=lambda p=persona: check_loaded(p, "/login/verify/")
        )
        for path in paths:
            check(persona, path)
        page.context.clear_cookies()
    for path in pages["public"]:
        check("public", path, expect_status=404 if path.startswith("/no/") else None)
    if pages["check"]:
        check("client", pages["check"])
    portal, pin = pages["portal"]
    check("client", portal)
    page.get_by_label("Your PIN").fill(pin)
    page.get_by_role("button").first.click()
    page.wait_for_load_state("networkidle")
    check_loaded("client", portal + "open")
    assert checked >= 45
    assert not failures, format_violations(failures)
