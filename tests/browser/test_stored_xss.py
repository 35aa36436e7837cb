"""Stored XSS in a real browser: a script payload in every free-text field never runs."""

from __future__ import annotations

import pytest

from alliance.web.collaboration.demo import load_demo_collaboration
from alliance.web.insights.demo import load_demo_measures
from alliance.web.intake.demo import load_demo_pages
from alliance.web.journal.demo import load_demo_journal
from alliance.web.practice.demo import load_demo_practice
from alliance.web.practice.models import Client
from alliance.web.research.demo import load_demo_consents
from tests.browser.test_security import password_step
from tests.hostile.poison import poison_everything

pytestmark = pytest.mark.browser


def test_the_payload_is_shown_as_text_and_never_runs(page, live_server, transactional_db):
    organisation = load_demo_practice()
    load_demo_measures(organisation)
    load_demo_consents(organisation)
    load_demo_collaboration(organisation)
    load_demo_journal(organisation)
    load_demo_pages(organisation)
    clients = list(
        Client.objects.filter(
            organisation=organisation, practitioner__username="therapist"
        ).order_by("code")[:3]
    )
    poison_everything()  # names, notes, goals, tasks, journal, public page, organisation …
    base = live_server.url
    ran: list[str] = []
    page.on(
        "dialog", lambda dialog: (ran.append(f"{page.url}: {dialog.message}"), dialog.dismiss())
    )

    paths = ["/caseload/", "/clients/", "/inbox/", "/journal/", "/self-care/", "/intake/"]
    for client in clients:
        paths.append(f"/clients/{client.public_id}/")
        for episode in client.episodes.all():
            session = episode.sessions.order_by("-number").first()
            if session is not None:  # the session page, and the prep screen with goals and tasks
                paths += [f"/sessions/{session.public_id}/", f"/sessions/{session.public_id}/prep/"]
    password_step(page, base, "therapist")
    page.wait_for_load_state()
    shown = 0
    for path in paths:
        response = page.goto(f"{base}{path}")
        if response is None or response.status == 404:
            continue  # a page this client's episode does not have
        assert response.status < 400, path
        page.wait_for_load_state("networkidle")
        shown += "alert(1)" in page.inner_text("body")
    page.context.clear_cookies()
    page.goto(f"{base}/practice/{organisation.slug}/")
    page.wait_for_load_state("networkidle")
    assert not ran, "a stored payload ran:\n" + "\n".join(ran)
    assert shown >= 5, "the payload should be visible as text on the pages that show it"
