"""Who may see or change transcripts and transcript consent: through the session's access.

Built on `alliance.web.practice.access`, the one place that decides. A transcript is visible
to whoever may see its session (404 to anyone else, so existence does not leak); only the
treating practitioner changes it; its words (the conversation, speaker names, the analysis)
are clinical free text, shown only where `can_read_clinical_text` holds, so a clinic admin
sees that a transcript exists and nothing of what was said, and a researcher sees nothing.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import User
from alliance.web.practice.access import (
    can_read_clinical_text,
    can_write_clinical,
    clients_for_user,
)
from alliance.web.transcripts.models import Transcript


def transcripts_for_user(user: User) -> QuerySet[Transcript]:
    """Return the transcripts of sessions `user` may see."""
    return Transcript.objects.filter(session__episode__client__in=clients_for_user(user))


def transcript_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Transcript:
    """Return the transcript with `public_id` if `user` may see it (or change it, with write)."""
    transcript = get_or_404(
        transcripts_for_user(user).select_related(
            "session__episode__client", "session__episode__practitioner", "uploaded_by"
        ),
        "transcript",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, transcript.session.episode.client):
        raise Http404("No such transcript")
    return transcript


def can_read_transcript_text(user: User, transcript: Transcript) -> bool:
    """Whether `user` may read the words of `transcript` and its analysis."""
    return can_read_clinical_text(user, transcript.session.episode.client)


def can_change_transcript(user: User, transcript: Transcript) -> bool:
    """Whether `user` may correct roles, decide candidates or delete `transcript`."""
    return can_write_clinical(user, transcript.session.episode.client)
