"""A practitioner records consent, uploads a plain-text transcript, reads it, confirms a moment."""

from __future__ import annotations

import re

import pytest

from alliance.web.accounts.models import Role
from alliance.web.transcripts.models import RuptureCandidateDecision, Transcript
from alliance.web.transcripts.ruptures import confirmed_transcript_ruptures
from tests.browser.conftest import screenshot
from tests.factories import (
    PASSWORD,
    make_client,
    make_episode,
    make_organisation,
    make_session,
    make_user,
)
from tests.web_transcripts.samples import PLAIN

pytestmark = pytest.mark.browser


def test_practitioner_uploads_a_transcript_and_confirms_a_moment(
    page, live_server, transactional_db
):
    practitioner = make_user(make_organisation(), Role.PRACTITIONER, username="therapist")
    session = make_session(make_episode(make_client(practitioner)))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("therapist")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))

    # No upload without the client's consent: the page sends the practitioner to record it.
    page.goto(f"{live_server.url}/sessions/{session.public_id}/transcript/new/")
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("The client has agreed").check()
    page.get_by_role("button", name="Record consent").click()
    assert page.get_by_text("Consent in force").is_visible()

    page.goto(f"{live_server.url}/sessions/{session.public_id}/transcript/new/")
    page.get_by_label("Transcript file").set_input_files(
        files=[{"name": "session.txt", "mimeType": "text/plain", "buffer": PLAIN.encode()}]
    )
    screenshot(page, "transcript-upload")
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_url(re.compile(r".*/transcripts/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name="Transcript of session 1").is_visible()
    turn = page.locator("#u-1")
    assert "round in circles" in turn.inner_text()
    assert "tx-role-client" in turn.get_attribute("class")
    assert "tx-flagged" in turn.get_attribute("class")
    assert page.locator("#u-0 .tx-code").inner_text().startswith("Question")
    screenshot(page, "transcript")

    # The summary links each candidate to its turn; confirm the complaint about the work.
    candidate = page.locator("#candidate-0")
    candidate.get_by_role("link").click()
    assert page.url.endswith("#u-1")
    candidate.get_by_role("button", name="Confirm rupture").click()
    page.wait_for_url(re.compile(r".*#candidate-0$"))
    assert "Confirmed rupture" in page.locator("#candidate-0").inner_text()
    screenshot(page, "transcript-confirmed")

    transcript = Transcript.objects.get()
    decision = RuptureCandidateDecision.objects.get()
    assert (decision.transcript, decision.decision) == (transcript, "confirmed")
    assert confirmed_transcript_ruptures(session.episode)[0]["marker"] == "confrontation"


def test_malformed_transcript_shows_the_line(page, live_server, transactional_db):
    from tests.web_transcripts.samples import give_consent

    practitioner = make_user(make_organisation(), Role.PRACTITIONER, username="coach")
    session = make_session(make_episode(make_client(practitioner)))
    give_consent(session)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("coach")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/caseload/$"))
    page.goto(f"{live_server.url}/sessions/{session.public_id}/transcript/new/")
    page.get_by_label("…or paste the transcript").fill("T: hello\n[00:99:00] C: hm\n")
    page.get_by_role("button", name="Upload and analyse").click()
    error = page.locator("#id_text_error")
    assert error.inner_text().startswith("Line 2:")
    assert not Transcript.objects.exists()
    screenshot(page, "transcript-upload-error")
