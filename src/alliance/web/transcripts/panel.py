"""Context for the transcript snippets on the session and client pages.

The page's own view has already decided that the user may see the session or client; the
snippets show dates, counts and links only, never the words of a conversation.
"""

from __future__ import annotations

from alliance.web.accounts.models import User
from alliance.web.practice.access import can_write_clinical
from alliance.web.practice.models import Client, Session
from alliance.web.transcripts.actions import active_consent
from alliance.web.transcripts.models import Transcript


def session_panel_context(session: Session) -> dict[str, object]:
    """Context for `transcripts/_session_panel.html` (three queries at most).

    ``transcript`` (the session's Transcript or None), ``transcript_consent`` (the client's
    consent in force, or None) and ``transcript_pending`` (candidates not yet decided).
    """
    transcript = Transcript.objects.filter(session=session).first()
    pending = 0
    if transcript is not None:
        pending = max(transcript.candidate_count - transcript.decisions.count(), 0)
    return {
        "transcript": transcript,
        "transcript_consent": active_consent(session.episode.client),
        "transcript_pending": pending,
    }


def client_consent_panel(user: User, client: Client) -> dict[str, object]:
    """Context for `transcripts/_client_consent.html`: the consent in force, if the user treats
    the client (others see nothing of it)."""
    if not can_write_clinical(user, client):
        return {"transcript_consent_panel": False}
    return {"transcript_consent_panel": True, "transcript_consent": active_consent(client)}
