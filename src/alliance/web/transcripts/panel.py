"""Context for the transcript panel on the session page (`transcripts/_session_panel.html`)."""

from __future__ import annotations

from alliance.web.practice.models import Session
from alliance.web.transcripts.actions import active_consent
from alliance.web.transcripts.models import Transcript


def session_panel_context(session: Session) -> dict[str, object]:
    """Return ``transcript`` (or None) and ``transcript_consent`` (in force, or None).

    The session view has already decided that the user may see `session`; the panel shows
    counts only, never the words. Two queries.
    """
    return {
        "transcript": Transcript.objects.filter(session=session).first(),
        "transcript_consent": active_consent(session.episode.client),
    }
