"""Short transcripts in every format, and helpers that add transcripts to the test world.

The URL classification below feeds `matrix.py`, through which the site-wide URL matrix
(tests/web/test_url_matrix.py) covers the transcript pages.
"""

from __future__ import annotations

from alliance.web.transcripts import actions

# A plain-text session whose client complains about the work (a confrontation candidate)
# and answers an open question with a minimal response (a withdrawal candidate).
PLAIN = """T: What would you like to talk about today?
C: I don't know. Honestly this is not working, we're going round in circles.
T: You feel stuck and it's frustrating.
C: Yeah.
T: What would make today worthwhile for you?
C: Maybe.
T: So part of you wonders whether coming here helps.
C: I want to stop drinking so much, I really do.
"""

DRESING_PEHL = """I: Wie geht es Ihnen heute? #00:00:05-2#

B: Gut (...) eigentlich. Naja, die Arbeit (unv.). #00:00:12-0#

I: Erzählen Sie mir
mehr davon. #00:00:20-0#

B: Da gibt es nicht viel (5) zu erzählen. #00:00:31-5#
"""

WEBVTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Dr Smith>How are you today?</v>

00:00:05.000 --> 00:00:07.500
<v Anna>Fine, I guess.</v>

00:00:14.500 --> 00:00:16.000
<v Dr Smith>What happened this week?</v>
"""

SRT = """1
00:00:01,000 --> 00:00:04,000
Therapist: What brings you here?

2
00:00:05,000 --> 00:00:07,500
Client: My wife.
She says I drink too much.

3
00:00:12,000 --> 00:00:13,000
Therapist: How do you see it?
"""

CSV = 'speaker,text,start\nP,"Hello, what brings you in?",00:00:01\nC,My doctor sent me.,00:00:04\nP,How do you feel about that?,00:00:09\n'

FORMATS = {
    "plain": PLAIN,
    "dresing_pehl": DRESING_PEHL,
    "webvtt": WEBVTT,
    "srt": SRT,
    "csv": CSV,
}

# The words of each world transcript: nobody without the client's clinical text may see them.
SECRET_TURN = {
    "own": "owner-transcript-secret",
    "colleague": "colleague-transcript-secret",
    "foreign": "foreign-transcript-secret",
}

# How the transcript URLs sit in the site-wide permission matrix.
READ = {"transcript"}
WRITE = {"transcript_consent", "transcript_new", "transcript_roles", "transcript_delete"}
POST_ONLY = {"transcript_consent_withdraw", "transcript_decide"}


def secret_transcript(secret: str) -> str:
    return f"T: What would you like to talk about today?\nC: {secret} is what I keep thinking about.\nT: Tell me more.\nC: This is not working.\n"


def give_consent(session_or_client) -> None:
    client = getattr(getattr(session_or_client, "episode", None), "client", session_or_client)
    if actions.active_consent(client) is None:
        actions.record_transcript_consent(
            client.practitioner, client, given_on=client.created_at.date()
        )


def add_transcript(session, text: str | None = None):
    """Record consent and upload a transcript for `session` as its practitioner."""
    give_consent(session)
    return actions.upload_transcript(session.episode.practitioner, session, text or PLAIN)


def add_transcripts(world) -> dict:
    """Give the own, colleague's and foreign sessions a transcript; return them by kind."""
    return {
        kind: add_transcript(session, secret_transcript(SECRET_TURN[kind]))
        for kind, session in (
            ("own", world.session),
            ("colleague", world.colleague_session),
            ("foreign", world.foreign_session),
        )
    }
