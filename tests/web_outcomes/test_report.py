"""The client progress report: its contents, the notes rule, and a PDF read back as text."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from alliance.web.practice.actions import update_session
from tests.web_outcomes.helpers import add_episodes

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(world):
    (episode,) = add_episodes(world.owner, [(15, 6, 12, 5, 8.0)])
    session = episode.sessions.get(number=2)
    update_session(world.owner, session, note="private-note-about-the-client")
    return world, episode


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_page_holds_scores_with_bands_attendance_and_no_notes(finished, login):
    world, episode = finished
    url = reverse("progress_report", args=[episode.client.public_id])
    html = login(world.owner).get(url).content.decode()
    assert "PHQ-9" in html and "GAD-7" in html
    assert "Moderately severe" in html  # PHQ-9 15 at session 1
    assert "Mild" in html  # PHQ-9 6 at session 4
    assert "Attended: 4" in html
    assert "private-note-about-the-client" not in html
    with_notes = login(world.owner).get(url, {"include_notes": "on"}).content.decode()
    assert "private-note-about-the-client" in with_notes


def test_the_pdf_reads_back_with_the_same_contents(finished, login):
    world, episode = finished
    url = reverse("progress_report_pdf", args=[episode.client.public_id])
    response = login(world.owner).post(url)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "Progress report" in text
    assert episode.client.code in text
    assert "PHQ-9" in text and "Moderately severe" in text
    assert "Attended: 4" in text
    assert "private-note-about-the-client" not in text
    response = login(world.owner).post(url, {"include_notes": "on"})
    text = _pdf_text(response.content)
    assert "private-note-about-the-client" in text


def test_a_goal_with_its_attainment_is_shown(world, login):
    from alliance.web.outcomes.demo import add_completed_episode

    episode = add_completed_episode(
        world.owner,
        started_on=world.episode.started_on,
        phq=(16, 6),
        gad=(10, 4),
        alliance=8,
        goal="Sleep through most nights",
    )
    url = reverse("progress_report", args=[episode.client.public_id])
    html = login(world.owner).get(url).content.decode()
    assert "Sleep through most nights" in html
    assert "+1" in html
    assert "GAS T-score now" in html


def test_a_coachs_report_speaks_coaching_words(world, login):
    """A coach's client sees no clinical language in their report, flourishing norms included."""
    from alliance.web.accounts.models import Role
    from alliance.web.measures.models import Source
    from alliance.web.measures.recording import Administration, record_responses
    from tests.factories import make_client, make_episode, make_session, make_user

    coach = make_user(world.org, Role.PRACTITIONER, kind="coach")
    client = make_client(coach)
    episode = make_episode(client, service="coaching")
    for number, answer in ((1, 4), (2, 6)):
        session = make_session(episode, days_after_start=7 * number)
        record_responses(
            coach,
            [
                Administration.for_session(
                    session, "flourishing", dict.fromkeys(map(str, range(1, 9)), answer)
                )
            ],
            source=Source.IMPORT,
            organisation=world.org,
            summary="flourishing",
        )
    html = login(coach).get(reverse("progress_report", args=[client.public_id])).content.decode()
    assert "Flourishing" in html
    assert "Norms of the scale" in html or "bottom 10%" in html, html[-3000:]
    for clinical in ("clinical", "Clinical", "cut-off", "patient", "diagnos"):
        assert clinical not in html, clinical
