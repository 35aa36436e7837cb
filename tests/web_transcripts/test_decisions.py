"""Confirming and dismissing candidates, the rupture rows for monitoring, roles, deletion."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alliance.monitoring.tidy import prepare_transcript_ruptures
from alliance.web.audit.models import AuditEntry
from alliance.web.practice.models import Episode
from alliance.web.transcripts import actions
from alliance.web.transcripts.models import (
    RuptureCandidateDecision,
    Transcript,
    TranscriptConsent,
)
from alliance.web.transcripts.panel import client_consent_panel, session_panel_context
from alliance.web.transcripts.ruptures import confirmed_transcript_ruptures
from tests.factories import make_session
from tests.web_transcripts.samples import PLAIN, WEBVTT, add_transcript, give_consent


def decide(client, transcript, position, decision, note=""):
    url = reverse("transcript_decide", kwargs={"transcript_id": transcript.public_id})
    return client.post(url, {"candidate": position, "decision": decision, "note": note})


def test_confirm_and_dismiss_are_stored(world, login):
    transcript = add_transcript(world.session)
    markers = [c["marker"] for c in transcript.analysis["candidates"]]
    assert markers == ["complaint_work", "minimal_response"]
    client = login(world.owner)
    response = decide(client, transcript, 0, "confirmed", note="she said it twice")
    assert response.status_code == 302 and response.url.endswith("#candidate-0")
    assert decide(client, transcript, 1, "dismissed").status_code == 302
    confirmed, dismissed = RuptureCandidateDecision.objects.order_by("candidate_index")
    assert (confirmed.decision, confirmed.marker, confirmed.category) == (
        "confirmed",
        "complaint_work",
        "confrontation",
    )
    assert confirmed.utterance_index == 1 and confirmed.decided_by == world.owner
    assert confirmed.note == "she said it twice" and confirmed.session == world.session
    assert confirmed.organisation == world.org and confirmed.model_versions
    assert (dismissed.decision, dismissed.marker, dismissed.category) == (
        "dismissed",
        "minimal_response",
        "withdrawal",
    )
    assert AuditEntry.objects.filter(object_type="rupturecandidatedecision").count() == 2
    page = client.get(reverse("transcript", kwargs={"transcript_id": transcript.public_id}))
    body = page.content.decode()
    assert "tx-decided-confirmed" in body and "tx-decided-dismissed" in body
    assert 'href="#u-1"' in body and 'id="u-1"' in body  # summary links to the turn

    # Changing one's mind replaces the verdict instead of adding one.
    decide(client, transcript, 1, "confirmed")
    assert RuptureCandidateDecision.objects.filter(decision="confirmed").count() == 2
    assert RuptureCandidateDecision.objects.count() == 2


def test_bad_decisions_are_refused(world, login):
    transcript = add_transcript(world.session)
    client = login(world.owner)
    decide(client, transcript, 7, "confirmed")
    decide(client, transcript, 0, "maybe")
    assert client.get(f"/transcripts/{transcript.public_id}/decide/").status_code == 405
    assert not RuptureCandidateDecision.objects.exists()
    with pytest.raises(ValidationError):
        actions.decide_candidate(world.owner, transcript, 5, "confirmed")


def test_confirmed_transcript_ruptures_returns_the_confirmed_one(world):
    transcript = add_transcript(world.session)
    actions.decide_candidate(world.owner, transcript, 0, "confirmed")
    actions.decide_candidate(world.owner, transcript, 1, "dismissed")
    later = make_session(world.episode, days_after_start=8)
    timed = add_transcript(later, WEBVTT)
    actions.decide_candidate(world.owner, timed, 0, "confirmed")
    rows = confirmed_transcript_ruptures(world.episode)
    assert [
        (r["session"], r["marker"], r["marker_type"], r["time"], r["moment"]) for r in rows
    ] == [
        (1, "confrontation", "complaint_work", None, "turn 2"),
        (2, "withdrawal", "minimal_response", 5.0, "00:00:05"),
    ]
    assert {r["episode"] for r in rows} == {str(world.episode.public_id)}
    # A queryset of episodes, and the frame the monitoring engine reads.
    assert confirmed_transcript_ruptures(Episode.objects.all()) == rows
    assert confirmed_transcript_ruptures([world.colleague_episode]) == []
    frame = prepare_transcript_ruptures(rows)
    assert frame["session"].to_list() == [1, 2]
    assert frame["marker"].to_list() == ["confrontation", "withdrawal"]


def test_correcting_roles_reanalyses_and_drops_stale_decisions(world, login):
    transcript = add_transcript(world.session)
    actions.decide_candidate(world.owner, transcript, 0, "confirmed")
    client = login(world.owner)
    url = reverse("transcript_roles", kwargs={"transcript_id": transcript.public_id})
    page = client.get(url).content.decode()
    assert "guessed" in page and 'value="practitioner" selected' in page
    # Swap the roles: the candidates now come from the other speaker's turns.
    response = client.post(url, {"speaker_0": "client", "speaker_1": "practitioner"})
    assert response.status_code == 302
    transcript.refresh_from_db()
    assert transcript.speaker_roles == {"T": "client", "C": "practitioner"}
    assert transcript.analysis["utterances"][0]["role"] == "client"
    assert all(s["guessed"] is False for s in transcript.analysis["speakers"])
    assert not RuptureCandidateDecision.objects.exists()
    assert (
        "1 decision(s) no longer apply"
        in AuditEntry.objects.filter(object_type="transcript", action="update").first().summary
    )
    bad = client.post(url, {"speaker_0": "boss", "speaker_1": "client"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    with pytest.raises(ValidationError, match="Unknown speaker"):
        actions.correct_speaker_roles(world.owner, transcript, {"X": "client"})


def test_correcting_roles_keeps_decisions_that_still_apply(world):
    transcript = add_transcript(world.session)
    actions.decide_candidate(world.owner, transcript, 1, "dismissed")
    actions.correct_speaker_roles(world.owner, transcript, {"T": "practitioner", "C": "client"})
    assert RuptureCandidateDecision.objects.get().candidate_index == 1


def test_delete_keeps_confirmed_moments_without_words(world, login):
    transcript = add_transcript(world.session)
    actions.decide_candidate(world.owner, transcript, 0, "confirmed")
    actions.decide_candidate(world.owner, transcript, 1, "dismissed")
    client = login(world.owner)
    url = reverse("transcript_delete", kwargs={"transcript_id": transcript.public_id})
    page = client.get(url).content.decode()
    assert "Delete this transcript?" in page and "1 rupture moment you confirmed" in page
    response = client.post(url)
    assert response.url == reverse("session", kwargs={"session_id": world.session.public_id})
    assert not Transcript.objects.exists()
    kept = RuptureCandidateDecision.objects.get()
    assert kept.decision == "confirmed" and kept.transcript is None
    assert len(confirmed_transcript_ruptures(world.episode)) == 1
    assert AuditEntry.objects.filter(object_type="transcript", action="delete").exists()
    assert client.get(url).status_code == 404


def test_withdrawing_consent_deletes_the_clients_transcripts(world, login):
    add_transcript(world.session)
    client = login(world.owner)
    url = reverse("transcript_consent", kwargs={"client_id": world.client.public_id})
    assert "deletes this client's 1 transcript" in client.get(url).content.decode()
    withdraw = reverse("transcript_consent_withdraw", kwargs={"client_id": world.client.public_id})
    assert client.post(withdraw).status_code == 302
    assert not Transcript.objects.exists()
    consent = TranscriptConsent.objects.get()
    assert consent.withdrawn_on is not None and consent.withdrawn_by == world.owner
    assert "Consent history" in client.get(url).content.decode()
    # Without consent in force, no upload; a second withdrawal says why it cannot.
    with pytest.raises(ValidationError, match="consent"):
        actions.upload_transcript(world.owner, world.session, PLAIN)
    client.post(withdraw)
    assert TranscriptConsent.objects.get().withdrawn_on == consent.withdrawn_on


def test_session_panel_context_and_snippet(world):
    from django.template.loader import render_to_string

    base = {"session": world.session, "client": world.client, "can_write": True}
    context = session_panel_context(world.session)
    assert context == {"transcript": None, "transcript_consent": None, "transcript_pending": 0}
    html = render_to_string("transcripts/_session_panel.html", base | context)
    assert reverse("transcript_consent", kwargs={"client_id": world.client.public_id}) in html
    transcript = add_transcript(world.session)
    actions.decide_candidate(world.owner, transcript, 0, "dismissed")
    context = session_panel_context(world.session)
    assert context["transcript"] == transcript and context["transcript_consent"] is not None
    html = render_to_string("transcripts/_session_panel.html", base | context)
    assert "8 turns" in html and "2 candidate rupture moments" in html and "1 to review" in html
    assert "round in circles" not in html


def test_client_consent_snippet_is_for_the_treating_practitioner(world):
    from django.template.loader import render_to_string

    for user, shown in ((world.owner, True), (world.supervisor, False), (world.admin, False)):
        context = {"client": world.client} | client_consent_panel(user, world.client)
        html = render_to_string("transcripts/_client_consent.html", context)
        assert ("No consent to transcript analysis recorded" in html) == shown
    give_consent(world.client)
    context = {"client": world.client} | client_consent_panel(world.owner, world.client)
    assert "Consent to transcript analysis given on" in render_to_string(
        "transcripts/_client_consent.html", context
    )


def test_interpreter_share_after_role_correction(world, login):
    text = (
        "T: What would you like to talk about?\nX: Sie fragt, worüber Sie sprechen möchten.\n"
        "C: Über meine Arbeit.\nX: About my work.\n"
    )
    transcript = add_transcript(world.session, text)
    actions.correct_speaker_roles(
        world.owner, transcript, {"T": "practitioner", "X": "interpreter", "C": "client"}
    )
    url = reverse("transcript", kwargs={"transcript_id": transcript.public_id})
    body = login(world.owner).get(url).content.decode()
    assert "The interpreter spoke" in body and "tx-role-interpreter" in body


def test_a_confirmed_rupture_moment_updates_the_clients_signals_at_once(
    world, login, django_capture_on_commit_callbacks
):
    # No nightly `alliance monitor --all` needed: the alert exists right after the decision.
    from alliance.web.insights.models import Alert

    transcript = add_transcript(world.session)
    episode = world.session.episode
    assert not Alert.objects.filter(episode=episode, type="rupture").exists()
    client = login(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert decide(client, transcript, 0, "confirmed").status_code == 302
    alert = Alert.objects.get(episode=episode, type="rupture")
    assert alert.session_number == world.session.number
    assert alert.method == "transcript" and alert.evidence["marker"] == "confrontation"
    # dismissing it again withdraws the alert (resolved by the signal)
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, transcript, 0, "dismissed")
    alert.refresh_from_db()
    assert alert.state == "resolved"


def test_a_german_transcript_page_shows_talk_balance_and_why_there_are_no_codes(world, login):
    from tests.transcripts.test_language import GERMAN

    transcript = add_transcript(world.session, GERMAN)
    client = login(world.owner)
    page = client.get(reverse("transcript", kwargs={"transcript_id": transcript.public_id}))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="tx-not-coded"' in body and "German" in body
    assert "Open questions" not in body and "Change talk share" not in body
    assert "tx-bar" in body  # the talk balance per speaker is still shown
