"""Practice data with answered measures and research consents, built through the actions."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from django.utils import timezone

from alliance.instruments import load_instrument
from alliance.web.measures import actions as measure_actions
from alliance.web.research import actions as research_actions
from alliance.web.research.access import research_settings
from tests.factories import make_client, make_episode, make_session


def answers_for(instrument_id: str, level: float, rng: random.Random) -> dict:
    """Plausible answers at `level` (0 low, 1 high) with noise; conditional and critical
    items take their lowest answer, so no alert fires."""
    inst = load_instrument(instrument_id)
    critical = {trigger.item for trigger in inst.critical_items}
    answers = {}
    for item in inst.items:
        if item.enable_when is not None:
            answers[item.id] = None
            continue
        values = sorted(item.answers.values) if item.options else None
        if not item.scored or item.id in critical:
            answers[item.id] = values[0] if values else item.min
            continue
        share = min(max(level + rng.gauss(0, 0.12), 0.0), 1.0)
        if item.reverse:
            share = 1 - share
        if values:
            answers[item.id] = values[round(share * (len(values) - 1))]
        else:
            answers[item.id] = round(item.min + share * (item.max - item.min))
    return answers


def answer_session(session, level: float, rng: random.Random):
    """Send the session's check and answer every instrument on it, as the client would."""
    check, _token = measure_actions.create_check(session.episode.practitioner, session)
    if check is None:
        return []
    answers = {i: answers_for(i, level, rng) for i in check.instrument_ids}
    _state, responses = measure_actions.submit_check(check, answers)
    return responses


@dataclass
class ResearchWorld:
    world: object
    consenting: list  # clients of world.org whose consent is in force
    withdrawn: object  # a client who consented, then withdrew
    not_asked: object  # a client without any research consent
    key: str


def add_answered_episode(practitioner, rng, *, sessions: int = 2, **client_fields):
    client = make_client(practitioner, **client_fields)
    episode = make_episode(client)
    level = rng.uniform(0.3, 0.9)
    for day in range(sessions):
        answer_session(make_session(episode, days_after_start=1 + 7 * day), level, rng)
    return client


@pytest.fixture
def research_world(world) -> ResearchWorld:
    rng = random.Random(7)
    for session in (world.session, world.colleague_session, world.foreign_session):
        answer_session(session, 0.7, rng)
    extra = [
        add_answered_episode(world.owner, rng, name=f"Extra Person{i}", email=f"x{i}@example.org")
        for i in range(4)
    ]
    consent_day = timezone.localdate() - dt.timedelta(days=30)
    consenting = [world.client, *extra[:3]]
    for client in consenting:
        research_actions.record_research_consent(client.practitioner, client, given_on=consent_day)
    colleague = world.colleague
    research_actions.record_research_consent(
        colleague, world.colleague_client, given_on=consent_day
    )
    research_actions.withdraw_research_consent(colleague, world.colleague_client)
    research_actions.record_research_consent(
        world.outsider, world.foreign_client, given_on=consent_day
    )
    return ResearchWorld(
        world=world,
        consenting=consenting,
        withdrawn=world.colleague_client,
        not_asked=extra[3],
        key=research_settings(world.org).project_key,
    )
