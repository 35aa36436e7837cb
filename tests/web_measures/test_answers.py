"""`measures.answers`, the interface other features read answers through: each function keeps
to the scope it is given and hands back plain rows, never a model."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from alliance.web.measures import answers
from alliance.web.measures.models import Check, MeasureResponse, Source
from alliance.web.measures.recording import Administration, record_responses
from tests.factories import make_session

PLAIN = (str, int, float, bool, dict, uuid.UUID, dt.date, dt.datetime, type(None))


def _answer(session, instrument: str, values: dict, rater: str = answers.Rater.CLIENT) -> None:
    record_responses(
        None,
        [Administration.for_session(session, instrument, values, rater=rater)],
        source=Source.CHECK if rater == answers.Rater.CLIENT else Source.PRACTITIONER,
        organisation=session.organisation,
        summary="test",
    )


def _phq9(item9: int) -> dict:
    return {str(i): 1 for i in range(1, 9)} | {"9": item9}


@pytest.fixture
def answered(world):
    """The owner's client answered twice; the colleague's and a foreign client once each."""
    later = make_session(world.episode, days_after_start=8)
    _answer(world.session, "alliance-check", {"1": 8, "2": 7, "3": 9, "4": 8, "5": 0})
    _answer(later, "alliance-check", {"1": 6, "2": 6, "3": 6, "4": 6, "5": 1})
    _answer(later, "phq9", _phq9(2))
    _answer(world.colleague_session, "alliance-check", {"1": 5, "2": 5, "3": 5, "4": 5, "5": 0})
    _answer(world.foreign_session, "phq9", _phq9(3))
    return later


def _plain(rows) -> bool:
    return all(isinstance(row, tuple) and all(isinstance(v, PLAIN) for v in row) for row in rows)


def test_totals_by_session_keeps_to_the_episodes_in_session_order(world, answered):
    rows = answers.totals_by_session([world.episode.pk], ["alliance-check", "phq9"])
    assert _plain(rows)
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("alliance-check", "client", 1),
        ("alliance-check", "client", answered.number),
        ("phq9", "client", answered.number),
    ]
    client_only = answers.totals_by_session(
        [world.episode.pk], ["alliance-check"], rater=answers.Rater.CLIENT
    )
    assert [(number, total) for _e, _i, _r, number, total in client_only] == [
        (1, 8.0),
        (answered.number, 6.0),
    ]
    assert {r[0] for r in rows} == {world.episode.pk}
    assert answers.totals_by_session([], ["phq9"]) == []


def test_monitoring_rows_and_check_states_keep_to_their_scope(world, answered):
    practice = list(answers.monitoring_rows({"organisation": world.org}))
    episode = list(answers.monitoring_rows({"episode": world.episode}))
    assert _plain(practice) and _plain(episode)
    own, colleague, foreign = (
        str(e.public_id) for e in (world.episode, world.colleague_episode, world.foreign_episode)
    )
    assert {str(r[0]) for r in practice} == {own, colleague}
    assert {str(r[0]) for r in episode} == {own}
    (phq9,) = [r for r in episode if r[5] == "phq9"]
    assert phq9[1] == answered.number and phq9[7] == 10.0 and phq9[9]["9"] == 2 and phq9[10]

    checks = list(answers.check_states({"organisation": world.org}))
    assert _plain(checks)
    assert {str(r[0]) for r in checks} == {own, colleague}
    with pytest.raises(ValueError, match="organisation or an episode"):
        answers.monitoring_rows({"client": world.client})
    with pytest.raises(ValueError):
        answers.check_states({"organisation": world.org, "episode": world.episode})


def test_mark_critical_reviewed_marks_only_that_sessions_instrument(world, answered):
    when = timezone.now()
    assert answers.mark_critical_reviewed(world.episode.pk, answered.number, "phq9", when) == 1
    assert answers.mark_critical_reviewed(world.episode.pk, answered.number, "phq9", when) == 0
    assert MeasureResponse.objects.get(session=answered, instrument_id="phq9").critical
    foreign = MeasureResponse.objects.get(session=world.foreign_session, instrument_id="phq9")
    assert foreign.critical and foreign.critical_acknowledged_at is None


def test_the_client_sees_only_their_own_totals_and_open_links(world, answered):
    assert answers.client_totals(world.client, ["alliance-check", "phq9"]) == [
        ("alliance-check", 8.0, False),
        ("alliance-check", 6.0, False),
        ("phq9", 10.0, True),
    ]
    assert answers.client_totals(world.client, []) == []
    open_links = answers.open_check_tokens(world.client)
    assert _plain(open_links)
    own_check = Check.objects.get(session=world.session)
    assert [token for token, _expires in open_links] == [own_check.token]
    Check.objects.filter(pk=own_check.pk).update(revoked_at=timezone.now())
    assert answers.open_check_tokens(world.client) == []


def test_research_reads_only_the_given_clients_of_the_organisation(world, answered):
    consenting = [world.client.pk, world.foreign_client.pk]  # a foreign id never leaks in
    assert answers.instruments_answered(world.org, consenting) == [
        "alliance-check",
        "alliance-check-practitioner",  # the world's practitioner rating
        "phq9",
    ]
    rows = list(answers.research_rows(world.org, consenting))
    assert _plain(rows)
    assert {str(r[0]) for r in rows} == {str(world.client.public_id)}
    phq9 = list(answers.research_rows(world.org, consenting, instruments=["phq9"]))
    assert [r[6] for r in phq9] == ["phq9"]
    assert list(answers.research_rows(world.org, consenting, services=["coaching"])) == []


def test_the_clients_fhir_resources_are_theirs_alone(world, answered):
    resources, skipped = answers.client_fhir_resources(world.client)
    assert skipped == []
    assert {r["resourceType"] for r in resources} == {"QuestionnaireResponse"}
    owned = MeasureResponse.objects.filter(session__episode__client=world.client).count()
    assert len(resources) == owned
