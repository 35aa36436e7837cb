"""Consent to transcript analysis, stored transcripts and the practitioner's candidate decisions.

Every table carries `organisation` so that a large deployment can shard by organisation.
The transcript's words (the original file, the speaker labels, which may be names, and the
analysis, which quotes each turn) are encrypted at rest; counts and model versions are not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import OrganisationRecord
from alliance.web.crypto import EncryptedTextField
from alliance.web.transcripts.fields import EncryptedJSONField

MAX_TRANSCRIPT_BYTES = 2 * 1024 * 1024


class TranscriptFormat(models.TextChoices):
    DRESING_PEHL = "dresing_pehl", _("Dresing & Pehl (speaker labels, #hh:mm:ss-d# stamps)")
    WEBVTT = "webvtt", _("WebVTT subtitles")
    SRT = "srt", _("SRT subtitles")
    PLAIN = "plain", _("Plain text with speaker labels (T:, C:, names)")
    CSV = "csv", _("CSV (speaker, text, optional time)")


class SpeakerRole(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    CLIENT = "client", _("Client")
    INTERPRETER = "interpreter", _("Interpreter")
    OTHER = "other", _("Other")


class TranscriptConsent(OrganisationRecord):
    """The client's consent to transcript analysis; at most one is in force per client."""

    client = models.ForeignKey(
        "practice.Client", on_delete=models.CASCADE, related_name="transcript_consents"
    )
    given_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(withdrawn_on__isnull=True),
                name="one_transcript_consent_in_force_per_client",
            )
        ]

    def __str__(self) -> str:
        state = f"withdrawn {self.withdrawn_on}" if self.withdrawn_on else "in force"
        return f"transcript consent from {self.given_on} ({state})"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_on is None


class Transcript(OrganisationRecord):
    """One session's transcript with its analysis (coded turns, talk summary, candidates)."""

    session = models.OneToOneField(
        "practice.Session", on_delete=models.CASCADE, related_name="transcript"
    )
    consent = models.ForeignKey(
        TranscriptConsent, on_delete=models.PROTECT, related_name="transcripts"
    )
    format = models.CharField(max_length=20, choices=TranscriptFormat.choices)
    original_text = EncryptedTextField()
    # Speaker label -> role; labels may be people's names, so the mapping is encrypted too.
    speaker_roles = EncryptedJSONField(default=dict)
    # TranscriptAnalysis.to_dict(): quotes every turn.
    analysis = EncryptedJSONField(default=dict)
    utterance_count = models.PositiveIntegerField(default=0)
    candidate_count = models.PositiveIntegerField(default=0)
    model_versions = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    analysed_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"transcript of session {self.session.number}"


class Decision(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed rupture")
    DISMISSED = "dismissed", _("Dismissed")


class RuptureCandidateDecision(OrganisationRecord):
    """A practitioner's verdict on one candidate rupture moment (kept as future training data).

    A confirmed one is a transcript-based rupture of the session. It holds no words of the
    conversation, so it stays on the session (``transcript`` emptied) when the transcript is
    deleted; dismissed ones go with the transcript.
    """

    session = models.ForeignKey(
        "practice.Session", on_delete=models.CASCADE, related_name="rupture_decisions"
    )
    transcript = models.ForeignKey(
        Transcript,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
    )
    candidate_index = models.PositiveIntegerField(
        help_text=_("Position of the candidate in the analysis when it was decided.")
    )
    utterance_index = models.PositiveIntegerField()
    marker = models.CharField(max_length=40)
    category = models.CharField(max_length=20)
    utterance_time = models.FloatField(null=True, blank=True)
    timestamp = models.CharField(max_length=16, blank=True)
    rule_confidence = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = EncryptedTextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    model_versions = models.JSONField(default=dict)

    class Meta:
        ordering = ["utterance_index", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "utterance_index", "marker"],
                name="one_decision_per_candidate",
            )
        ]
        indexes = [models.Index(fields=["organisation", "decision"], name="rupture_decision_kind")]

    def __str__(self) -> str:
        return f"{self.marker} at turn {self.utterance_index}: {self.decision}"
