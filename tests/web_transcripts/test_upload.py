"""Consent, upload in every format, errors that name the line, size limit, encryption at rest."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from alliance.web import crypto
from alliance.web.audit.models import AuditEntry
from alliance.web.keyrotation import rotate_all
from alliance.web.transcripts import actions
from alliance.web.transcripts.models import (
    MAX_TRANSCRIPT_BYTES,
    RuptureCandidateDecision,
    Transcript,
    TranscriptConsent,
)
from tests.web_transcripts.samples import FORMATS, PLAIN, add_transcript, give_consent


def upload(client, session, text: str | bytes, name: str = "session.txt", **data):
    content = text.encode("utf-8") if isinstance(text, str) else text
    url = reverse("transcript_new", kwargs={"session_id": session.public_id})
    return client.post(url, {"file": SimpleUploadedFile(name, content), **data})


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return repr(cursor.fetchall())


def test_consent_is_required_before_upload(world, login):
    client = login(world.owner)
    page = client.get(reverse("transcript_new", kwargs={"session_id": world.session.public_id}))
    assert page.status_code == 200
    assert "Record the client's consent" in page.content.decode()
    assert 'type="file"' not in page.content.decode()
    response = upload(client, world.session, PLAIN)
    assert response.status_code == 200
    assert "consent to transcript analysis" in response.content.decode()
    assert not Transcript.objects.exists()
    with pytest.raises(ValidationError, match="consent"):
        actions.upload_transcript(world.owner, world.session, PLAIN)


def test_consent_page_records_consent(world, login):
    client = login(world.owner)
    url = reverse("transcript_consent", kwargs={"client_id": world.client.public_id})
    refused = client.post(url, {"given_on": "2020-01-01"})
    assert "Tick the box" in refused.content.decode()
    future = client.post(url, {"given_on": "2999-01-01", "confirm": "on"})
    assert "future" in future.content.decode()
    assert not TranscriptConsent.objects.exists()
    response = client.post(url, {"given_on": "2020-01-01", "confirm": "on"})
    assert response.status_code == 302
    consent = TranscriptConsent.objects.get()
    assert consent.client == world.client and consent.recorded_by == world.owner
    assert consent.organisation == world.org and consent.in_force
    assert AuditEntry.objects.filter(object_type="transcriptconsent", action="create").exists()
    assert "Consent in force" in client.get(url).content.decode()
    with pytest.raises(ValidationError, match="already recorded"):
        actions.record_transcript_consent(world.owner, world.client, given_on=consent.given_on)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_uploads(world, login, fmt):
    give_consent(world.session)
    client = login(world.owner)
    response = upload(client, world.session, FORMATS[fmt], name=f"session.{fmt}")
    transcript = Transcript.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("transcript", kwargs={"transcript_id": transcript.public_id})
    assert transcript.format == fmt
    assert transcript.utterance_count == len(transcript.analysis["utterances"]) >= 3
    assert set(transcript.speaker_roles.values()) == {"practitioner", "client"}
    assert transcript.model_versions == transcript.analysis["model_versions"]
    assert transcript.organisation == world.org and transcript.uploaded_by == world.owner
    page = client.get(response.url)
    assert page.status_code == 200
    first_turn = transcript.analysis["utterances"][0]["text"]
    assert first_turn.split()[0] in page.content.decode()


def test_pasted_text_and_forced_format(world, login):
    give_consent(world.session)
    client = login(world.owner)
    url = reverse("transcript_new", kwargs={"session_id": world.session.public_id})
    response = client.post(url, {"text": PLAIN, "format": "plain"})
    assert response.status_code == 302
    assert Transcript.objects.get().format == "plain"


@pytest.mark.parametrize(
    ("text", "fmt", "line", "fragment"),
    [
        ("T: hi\n[00:99:00] C: hm\n", "", 2, "cannot read the time"),
        ("Hello there\nT: hi\n", "plain", 1, "text before the first speaker label"),
        ("I: Hallo #00:00:05-0#\n\nB: Hallo #00:0:07-0#\n", "dresing_pehl", 3, "time stamp"),
    ],
)
def test_malformed_file_stores_nothing_and_shows_the_line(world, login, text, fmt, line, fragment):
    give_consent(world.session)
    client = login(world.owner)
    audit_before = AuditEntry.objects.count()
    response = upload(client, world.session, text, format=fmt)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Line {line}:" in body and fragment in body and "expected" in body
    assert 'id="id_file_error"' in body  # beside the file field
    assert not Transcript.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_non_utf8_file_is_refused(world, login):
    give_consent(world.session)
    response = upload(login(world.owner), world.session, "T: Grüß Gott\n".encode("latin-1"))
    assert "not UTF-8" in response.content.decode()
    assert not Transcript.objects.exists()


def test_oversized_file_is_refused(world, login):
    give_consent(world.session)
    big = ("T: " + "word " * 60 + "\n") * (MAX_TRANSCRIPT_BYTES // 300 + 10)
    assert len(big) > MAX_TRANSCRIPT_BYTES
    response = upload(login(world.owner), world.session, big)
    body = response.content.decode()
    assert response.status_code == 200
    assert "the limit is 2 MB" in body
    assert not Transcript.objects.exists()
    with pytest.raises(ValidationError, match="limit is 2 MB"):
        actions.upload_transcript(world.owner, world.session, big)


def test_one_transcript_per_session(world, login):
    add_transcript(world.session)
    client = login(world.owner)
    page = client.get(reverse("transcript_new", kwargs={"session_id": world.session.public_id}))
    assert "already has a transcript" in page.content.decode()
    response = upload(client, world.session, PLAIN)
    assert "already has a transcript" in response.content.decode()
    assert Transcript.objects.count() == 1


def test_transcript_is_encrypted_at_rest(world, settings):
    transcript = add_transcript(world.session)
    actions.decide_candidate(world.owner, transcript, 0, "confirmed", note="owner-decision-note")
    raw = raw_rows("transcripts_transcript")
    for words in ("round in circles", "worthwhile", "drinking", '"T"', "practitioner"):
        assert words not in raw
    assert crypto.PREFIX in raw
    assert "owner-decision-note" not in raw_rows("transcripts_rupturecandidatedecision")
    # The application reads it back, and key rotation covers the transcript columns.
    stored = Transcript.objects.get()
    assert "round in circles" in stored.original_text
    assert stored.analysis["utterances"][1]["text"].endswith("round in circles.")
    old_key = settings.ALLIANCE_DATA_KEY
    new_key = crypto.generate_key()
    settings.ALLIANCE_DATA_KEY = f"{new_key},{old_key}"
    counts = rotate_all()
    assert counts["transcripts.Transcript"] == 1
    settings.ALLIANCE_DATA_KEY = new_key
    assert Transcript.objects.get().speaker_roles == {"T": "practitioner", "C": "client"}
    assert RuptureCandidateDecision.objects.get().note == "owner-decision-note"


def test_upload_is_audited_without_words(world):
    transcript = add_transcript(world.session)
    entry = AuditEntry.objects.get(object_type="transcript", action="create")
    assert entry.object_id == transcript.public_id and entry.actor == world.owner
    assert "round in circles" not in entry.summary and "8 turns" in entry.summary


def test_oversized_paste_beyond_the_request_limit_is_refused(world, login, settings):
    give_consent(world.session)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # stands in for Django's 2.5 MB request limit
    url = reverse("transcript_new", kwargs={"session_id": world.session.public_id})
    response = login(world.owner).post(url, {"text": PLAIN * 10})
    assert response.status_code == 200
    assert "the limit is 2 MB" in response.content.decode()
    assert not Transcript.objects.exists()
