"""Every write to transcripts and transcript consent goes through these functions, which audit.

Analysis runs here, on this machine, with the shipped models (`alliance.transcripts`);
nothing is sent anywhere. A file that fails to parse stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.transcripts import ROLES, TranscriptAnalysis, TranscriptError, analyze_transcript
from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.practice.models import Client, Session
from alliance.web.transcripts.models import (
    MAX_TRANSCRIPT_BYTES,
    Decision,
    RuptureCandidateDecision,
    Transcript,
    TranscriptConsent,
    TranscriptFormat,
)
from alliance.web.transcripts.signals import rupture_moments_changed


def active_consent(client: Client) -> TranscriptConsent | None:
    """Return the client's consent to transcript analysis that is in force, if any."""
    return client.transcript_consents.filter(withdrawn_on__isnull=True).first()


def describe_error(error: TranscriptError) -> str:
    """Turn a parser error into one sentence naming the line and what was expected."""
    reason = error.reason[:1].upper() + error.reason[1:]
    text = f"Line {error.line}: {error.reason}" if error.line is not None else reason
    if error.expected:
        text += f" — expected {error.expected}"
    return text + "."


def size_error(size: int) -> str:
    """The message for a transcript over the size limit."""
    return (
        f"The transcript is {size / 1024 / 1024:.1f} MB; the limit is "
        f"{MAX_TRANSCRIPT_BYTES // 1024 // 1024} MB. Upload one session's transcript as plain "
        "text (no audio, images or word-processor files)."
    )


def record_transcript_consent(
    actor: User, client: Client, *, given_on: dt.date
) -> TranscriptConsent:
    """Record that the client agreed to the analysis of their session transcripts."""
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "Consent cannot be dated in the future."})
    with transaction.atomic():
        if active_consent(client) is not None:
            raise ValidationError(
                "The client's consent to transcript analysis is already recorded."
            )
        consent = TranscriptConsent.objects.create(
            organisation=client.organisation, client=client, given_on=given_on, recorded_by=actor
        )
        record(actor, "create", consent, summary=f"transcript consent of {client.code}")
    return consent


def withdraw_transcript_consent(
    actor: User, client: Client, *, withdrawn_on: dt.date | None = None
) -> TranscriptConsent:
    """Record the withdrawal of consent and delete the client's transcripts with it.

    Confirmed rupture moments stay on their sessions (they hold no words of the conversation).
    """
    withdrawn_on = withdrawn_on or timezone.localdate()
    with transaction.atomic():
        consent = active_consent(client)
        if consent is None:
            raise ValidationError("There is no consent to transcript analysis to withdraw.")
        if withdrawn_on < consent.given_on:
            raise ValidationError(
                {"withdrawn_on": "Consent cannot be withdrawn before it was given."}
            )
        for transcript in Transcript.objects.filter(session__episode__client=client):
            delete_transcript(actor, transcript)
        consent.withdrawn_on = withdrawn_on
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
        record(actor, "update", consent, summary=f"transcript consent of {client.code} withdrawn")
    return consent


def _analyse(
    content: str | bytes, fmt: str | None, speaker_map: Mapping[str, str] | None = None
) -> TranscriptAnalysis:
    try:
        return analyze_transcript(content, format=fmt or None, speaker_map=speaker_map)
    except TranscriptError as error:
        raise ValidationError({"content": describe_error(error)}) from error


def _store(transcript: Transcript, analysis: TranscriptAnalysis) -> None:
    transcript.format = analysis.format
    transcript.speaker_roles = dict(analysis.speakers)
    transcript.analysis = analysis.to_dict()
    transcript.utterance_count = len(analysis.utterances)
    transcript.candidate_count = len(analysis.candidates)
    transcript.model_versions = dict(analysis.model_versions)
    transcript.analysed_at = timezone.now()


def upload_transcript(
    actor: User, session: Session, content: str | bytes, *, format: str | None = None
) -> Transcript:
    """Parse and analyse a session's transcript, then store it encrypted.

    Refused without the client's consent in force, over the size limit, when the session has
    a transcript already, or when the file is malformed (the error names the line).
    """
    client = session.episode.client
    size = len(content.encode("utf-8") if isinstance(content, str) else content)
    if size > MAX_TRANSCRIPT_BYTES:
        raise ValidationError({"content": size_error(size)})
    if format and format not in TranscriptFormat.values:
        raise ValidationError({"format": f"Unknown format {format!r}."})
    consent = active_consent(client)
    if consent is None:
        raise ValidationError(
            "Record the client's consent to transcript analysis before uploading a transcript."
        )
    if Transcript.objects.filter(session=session).exists():
        raise ValidationError(
            "This session already has a transcript; delete it before uploading another."
        )
    analysis = _analyse(content, format)
    text = content if isinstance(content, str) else content.decode("utf-8-sig")
    transcript = Transcript(
        organisation=session.organisation,
        session=session,
        consent=consent,
        original_text=text,
        uploaded_by=actor,
    )
    _store(transcript, analysis)
    try:
        with transaction.atomic():
            transcript.save()
            record(
                actor,
                "create",
                transcript,
                summary=f"transcript of session {session.number} of {client.code} "
                f"({analysis.format}, {transcript.utterance_count} turns)",
            )
    except IntegrityError as exc:
        raise ValidationError("This session already has a transcript.") from exc
    return transcript


def correct_speaker_roles(
    actor: User, transcript: Transcript, speaker_map: Mapping[str, str]
) -> Transcript:
    """Re-analyse the transcript with the user's speaker roles.

    Decisions whose candidate (turn and marker) is still raised are kept; the others referred
    to turns read with the wrong roles and are removed.
    """
    known = set(transcript.speaker_roles)
    unknown = sorted(set(speaker_map) - known)
    if unknown:
        raise ValidationError(f"Unknown speaker(s): {', '.join(unknown)}.")
    bad = sorted({role for role in speaker_map.values() if role not in ROLES})
    if bad:
        raise ValidationError(f"Unknown role(s): {', '.join(bad)}; use {', '.join(ROLES)}.")
    analysis = _analyse(transcript.original_text, transcript.format, dict(speaker_map))
    _store(transcript, analysis)
    positions = {(c.index, c.marker): i for i, c in enumerate(analysis.candidates)}
    with transaction.atomic():
        transcript.save()
        dropped = 0
        for decision in transcript.decisions.all():
            position = positions.get((decision.utterance_index, decision.marker))
            if position is None:
                decision.delete()
                dropped += 1
            elif position != decision.candidate_index:
                decision.candidate_index = position
                decision.save(update_fields=["candidate_index"])
        session = transcript.session
        summary = f"speaker roles of the transcript of session {session.number} corrected"
        if dropped:
            summary += f"; {dropped} decision(s) no longer apply"
        record(actor, "update", transcript, summary=summary)
    return transcript


def decide_candidate(
    actor: User,
    transcript: Transcript,
    candidate_index: int,
    decision: str,
    *,
    note: str = "",
) -> RuptureCandidateDecision:
    """Confirm or dismiss one candidate rupture moment; deciding again replaces the verdict."""
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Unknown decision {decision!r}."})
    candidates = transcript.analysis.get("candidates", [])
    if not 0 <= candidate_index < len(candidates):
        raise ValidationError({"candidate": "There is no such candidate in this transcript."})
    candidate = candidates[candidate_index]
    session = transcript.session
    with transaction.atomic():
        verdict, created = RuptureCandidateDecision.objects.update_or_create(
            transcript=transcript,
            utterance_index=candidate["index"],
            marker=candidate["marker"],
            defaults={
                "organisation": transcript.organisation,
                "session": session,
                "candidate_index": candidate_index,
                "category": candidate["category"],
                "utterance_time": candidate.get("time"),
                "timestamp": candidate.get("timestamp") or "",
                "rule_confidence": candidate.get("confidence"),
                "decision": decision,
                "note": note.strip(),
                "decided_by": actor,
                "decided_at": timezone.now(),
                "model_versions": dict(transcript.model_versions),
            },
        )
        record(
            actor,
            "create" if created else "update",
            verdict,
            summary=f"{decision} {candidate['marker']} candidate in session {session.number} "
            f"of {session.episode.client.code}",
        )
        _moments_changed(session)
    return verdict


def _moments_changed(session: Session) -> None:
    """Tell listeners (monitoring) after commit that the session's rupture moments changed."""
    episode = session.episode
    transaction.on_commit(lambda: rupture_moments_changed.send(sender=Transcript, episode=episode))


def delete_transcript(actor: User, transcript: Transcript) -> None:
    """Delete a transcript and its analysis; confirmed rupture moments stay on the session."""
    session = transcript.session
    with transaction.atomic():
        record(
            actor,
            "delete",
            transcript,
            summary=f"transcript of session {session.number} of {session.episode.client.code}",
        )
        transcript.decisions.filter(decision=Decision.DISMISSED).delete()
        transcript.delete()
        _moments_changed(session)
