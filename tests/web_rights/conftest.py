"""A client with one of everything Alliance can hold about a person, built through real actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from alliance.web.collaboration import actions as collaboration
from alliance.web.insights.demo import phq9_answers
from alliance.web.insights.models import Alert
from alliance.web.intake.models import IntakeRequest
from alliance.web.measures.actions import _store
from alliance.web.measures.models import HeldAnswers, Rater, Source
from alliance.web.practice import actions as practice
from alliance.web.research import actions as research
from alliance.web.transcripts import actions as transcripts
from tests.factories import make_client, make_episode, make_session, measures_for
from tests.web_intake.factories import make_intake, make_page
from tests.web_journal.factories import make_entry
from tests.web_transcripts import samples

# Every word and identifier of the full client: none may survive anonymisation.
SECRETS = [
    "Full Clientname",
    "full@example.org",
    "+44 7700 900123",
    "Tigrinya",
    "full-referral-secret",
    "full-phase-secret",
    "full-note-secret-1",
    "full-note-secret-2",
    "full-snooze-secret",
    "full-resolved-secret",
    "full-goal-secret",
    "full-level-secret",
    "full-task-secret",
    "full-decision-secret",
    "Full and me",
    "full-clientnote-secret",
    "full-transcript-secret",
    "full-verdict-secret",
    "Full Intakename",
    "full-intake-secret",
]


@dataclass
class Full:
    client: object
    episode: object
    sessions: list
    check_token: str
    portal_token: str
    portal_pin: str
    journal_entry: object
    intake: object
    transcript: object


def build_full_client(world, *, end: bool = True) -> Full:
    owner = world.owner
    started = timezone.localdate() - dt.timedelta(days=400)
    client = make_client(
        owner,
        name="Full Clientname",
        email="full@example.org",
        phone="+44 7700 900123",
        year_of_birth=1980,
        gender="female",
    )
    episode = make_episode(
        client,
        started_on=started,
        referral_reason="full-referral-secret",
        interpreter_needed=True,
        interpreter_language="Tigrinya",
    )
    practice.move_to_phase(owner, episode, "assessment", changed_on=started + dt.timedelta(days=2))
    practice.move_to_phase(owner, episode, "working", changed_on=started + dt.timedelta(days=3))
    practice.move_to_phase(
        owner,
        episode,
        "assessment",
        changed_on=started + dt.timedelta(days=4),
        reason="full-phase-secret",
    )
    first = make_session(episode, days_after_start=7, note="full-note-secret-1")
    second = make_session(episode, days_after_start=14, note="full-note-secret-2")
    measures = measures_for(first)  # a check with its token, a practitioner rating, plan
    _store(second, "phq9", phq9_answers(12), rater=Rater.CLIENT, source=Source.CHECK)
    # Check answers that could not be stored (kept for the practitioner) are the client's too.
    HeldAnswers.objects.create(
        organisation=episode.organisation,
        session=first,
        check_ref=measures["check"],
        answers={"phq9": phq9_answers(3)},
        reason="test: a response of the same instrument arrived first",
    )
    Alert.objects.create(
        organisation=episode.organisation,
        episode=episode,
        key=f"rupture:{episode.public_id}:2",
        type="rupture",
        session_number=2,
        severity="high",
        snooze_reason="full-snooze-secret",
        resolved_note="full-resolved-secret",
    )
    goal = collaboration.add_goal(
        owner, episode, title="full-goal-secret", level_0="full-level-secret"
    )
    collaboration.rate_goals(owner, episode, {goal: 1}, session=second)
    collaboration.add_task(owner, episode, what="full-task-secret")
    collaboration.log_decision(
        owner,
        episode,
        decision="full-decision-secret",
        agreed_by="Full and me",
        decided_on=started + dt.timedelta(days=10),
    )
    collaboration.choose_ritual(owner, episode, kind="opening", ritual_id="arriving-breath")
    access, portal_token, pin = collaboration.create_portal_access(owner, client)
    collaboration.leave_client_note(access, "full-clientnote-secret")
    samples.give_consent(client)
    transcript = transcripts.upload_transcript(
        owner, first, samples.secret_transcript("full-transcript-secret")
    )
    assert transcript.analysis["candidates"], "the sample transcript has rupture candidates"
    transcripts.decide_candidate(owner, transcript, 0, "confirmed", note="full-verdict-secret")
    research.record_research_consent(owner, client, given_on=started)
    research.withdraw_research_consent(owner, client, withdrawn_on=started + dt.timedelta(days=30))
    page = make_page(world.org, owner)
    intake = make_intake(page, name="Full Intakename", help_with="full-intake-secret")
    IntakeRequest.objects.filter(pk=intake.pk).update(episode=episode)
    entry = make_entry(owner, "my own reflection on session one", session=first)
    if end:
        practice.end_episode(
            owner, episode, ended_on=started + dt.timedelta(days=60), ending_type="planned"
        )
    client.refresh_from_db()
    return Full(
        client=client,
        episode=episode,
        sessions=[first, second],
        check_token=measures["token"],
        portal_token=portal_token,
        portal_pin=pin,
        journal_entry=entry,
        intake=intake,
        transcript=transcript,
    )


@pytest.fixture
def full(world):
    return build_full_client(world)
