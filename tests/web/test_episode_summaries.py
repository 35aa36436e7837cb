"""Episode summaries stay what the records say on every path that changes them, and the
caseload shows the same with or without them."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from alliance.interop.fhir import questionnaire_response
from alliance.web.api.actions import create_token
from alliance.web.insights.actions import acknowledge_alert
from alliance.web.insights.models import Alert, AlertType
from alliance.web.measures import actions
from alliance.web.measures.importing import import_responses
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.practice import actions as practice
from alliance.web.practice.models import EpisodeSummary
from alliance.web.practice.summaries import compute_summaries, refresh_all, summaries_for
from alliance.web.rights.actions import erase_client
from tests.api.conftest import Api
from tests.factories import make_client, make_episode, make_session

ALLIANCE = {"1": "8", "2": "7", "3": "9", "4": "8", "5": "0"}
PHQ9_CRITICAL = {str(i): "2" for i in range(1, 9)} | {"9": "1"}
FIELDS = ("session_count", "last_session_at", "alliance_recent", "critical_open")


def stored(episode) -> dict:
    summary = EpisodeSummary.objects.get(episode=episode)
    return {f: getattr(summary, f) for f in FIELDS}


def fresh(episode) -> dict:
    summary = compute_summaries({episode.pk: episode.organisation_id})[episode.pk]
    return {f: getattr(summary, f) for f in FIELDS}


def assert_fresh(episode) -> dict:
    """The stored summary equals one computed from the records now; return it."""
    assert stored(episode) == fresh(episode)
    return stored(episode)


def answer_check(client, session, owner, answers=None):
    check, token = actions.create_check(owner, session)
    url = reverse("client_check", kwargs={"token": token})
    for instrument_id in check.instrument_ids:
        given = (answers or {}).get(instrument_id)
        if given is None:
            given = ALLIANCE if instrument_id == "alliance-check" else PHQ9_CRITICAL
        client.post(url, {f"{instrument_id}-{k}": v for k, v in given.items()})
    return check


def test_a_new_episode_has_an_empty_summary(world):
    episode = make_episode(make_client(world.owner))
    assert assert_fresh(episode) == {
        "session_count": 0,
        "last_session_at": None,
        "alliance_recent": [],
        "critical_open": 0,
    }


def test_logging_and_moving_a_session_update_the_summary(world):
    episode = make_episode(make_client(world.owner))
    first = make_session(episode, days_after_start=1)
    second = make_session(episode, days_after_start=8)
    assert assert_fresh(episode)["session_count"] == 2
    assert stored(episode)["last_session_at"] == second.starts_at
    later = second.starts_at + dt.timedelta(days=2)
    practice.update_session(world.owner, first, starts_at=later)
    assert assert_fresh(episode)["last_session_at"] == later


def test_the_web_check_updates_alliance_and_critical_flag(world, client):
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    check = answer_check(client, session, world.owner)
    assert check.instrument_ids[0] == "alliance-check"
    summary = assert_fresh(episode)
    assert summary["alliance_recent"] == [
        MeasureResponse.objects.get(session=session, instrument_id="alliance-check").total
    ]
    assert summary["critical_open"] == (1 if "phq9" in check.instrument_ids else 0)


def test_critical_answers_open_and_reviewing_closes_the_flag(world):
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    response = actions.record_response(
        world.owner, session, "phq9", PHQ9_CRITICAL, source=Source.IMPORT
    )
    assert assert_fresh(episode)["critical_open"] == 1
    actions.acknowledge_critical(world.owner, response)
    assert assert_fresh(episode)["critical_open"] == 0


def test_acknowledging_a_critical_alert_closes_the_flag(
    world, settings, django_capture_on_commit_callbacks
):
    settings.ALLIANCE_MONITOR_IN_BACKGROUND = False
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_response(world.owner, session, "phq9", PHQ9_CRITICAL, source=Source.CHECK)
    alert = Alert.objects.get(episode=episode, type=AlertType.CRITICAL)
    assert stored(episode)["critical_open"] == 1
    acknowledge_alert(world.owner, alert)
    assert assert_fresh(episode)["critical_open"] == 0


def test_the_practitioners_rating_keeps_the_summary_fresh(world):
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    actions.record_practitioner_rating(world.owner, session, ALLIANCE)
    actions.record_practitioner_rating(world.owner, session, ALLIANCE)  # replaced
    assert assert_fresh(episode)["alliance_recent"] == []  # only the client's own answers


def test_the_api_updates_the_summary(world):
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=3)
    resource = questionnaire_response(
        "alliance-check",
        {k: int(v) for k, v in ALLIANCE.items()},
        authored=timezone.now(),
        encounter=f"Encounter/{session.public_id}",
    )
    _token, secret = create_token(world.owner, world.owner, scopes=["fhir:write"], days=1)
    created = Api(secret).post(
        "/api/v1/fhir/QuestionnaireResponse", resource, content_type="application/fhir+json"
    )
    assert created.status_code == 201, created.content
    assert assert_fresh(episode)["alliance_recent"] == [8.0]


def test_a_csv_import_updates_every_touched_summary(world, tmp_path):
    episodes = []
    lines = []
    for _ in range(3):
        client = make_client(world.owner)
        episode = make_episode(client)
        for day in (1, 8):
            make_session(episode, days_after_start=day)
        episodes.append(episode)
        for number, value in ((1, 6), (2, 9)):
            lines += [f"{client.code},{number},alliance-check,{i},{value}" for i in range(1, 5)]
            lines.append(f"{client.code},{number},alliance-check,5,0")
    path = tmp_path / "responses.csv"
    path.write_text("client_code,session_number,instrument,item,value\n" + "\n".join(lines) + "\n")
    report = import_responses(path, world.org)
    assert report.imported, report.errors
    for episode in episodes:
        assert assert_fresh(episode)["alliance_recent"] == [6.0, 9.0]


def test_only_the_last_twelve_alliance_totals_are_kept(world):
    episode = make_episode(make_client(world.owner))
    for day in range(1, 15):
        session = make_session(episode, days_after_start=day)
        answers = {str(i): str(day % 11) for i in range(1, 5)} | {"5": "0"}
        actions.record_response(world.owner, session, "alliance-check", answers, source="check")
    assert assert_fresh(episode)["alliance_recent"] == [float(d % 11) for d in range(3, 15)]


def test_anonymisation_deletes_the_summary_and_the_caseload_would_compute_it(world):
    client = make_client(world.owner)
    episode = make_episode(client)
    make_session(episode, days_after_start=1)
    practice.end_episode(world.owner, episode, ended_on=timezone.localdate(), ending_type="planned")
    erase_client(world.owner, client, mode="anonymise")
    assert not EpisodeSummary.objects.filter(episode=episode).exists()
    episode.refresh_from_db()
    assert summaries_for([episode])[episode.pk].session_count == 1


def test_the_caseload_shows_the_same_with_stored_and_computed_summaries(world, login, client):
    for n in range(3):
        episode = make_episode(make_client(world.owner))
        session = make_session(episode, days_after_start=1 + n)
        answer_check(client, session, world.owner, {"phq9": {str(i): "1" for i in range(1, 10)}})
    actions.record_response(
        world.owner,
        make_session(episode, days_after_start=9),
        "phq9",
        PHQ9_CRITICAL,
        source=Source.IMPORT,
    )
    page = login(world.owner)
    with_summaries = page.get(reverse("caseload")).content.decode()
    assert "critical answer" in with_summaries
    EpisodeSummary.objects.all().delete()
    computed = page.get(reverse("caseload")).content.decode()

    def without_tokens(html: str) -> str:
        # The CSRF token and the CSP nonce change with every response.
        import re

        return re.sub(r'(nonce|value)="[^"]{20,}"', "", html)

    assert without_tokens(computed) == without_tokens(with_summaries)


def test_the_migration_and_the_command_rebuild_what_the_actions_keep(world):
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    actions.record_response(world.owner, session, "alliance-check", ALLIANCE, source="check")
    actions.record_response(world.owner, session, "phq9", PHQ9_CRITICAL, source="check")
    kept = {e.episode_id: e for e in EpisodeSummary.objects.all()}

    def rows():
        return {
            e.episode_id: {f: getattr(e, f) for f in FIELDS} for e in EpisodeSummary.objects.all()
        }

    expected = {pk: {f: getattr(s, f) for f in FIELDS} for pk, s in kept.items()}
    migration = importlib.import_module(
        "alliance.web.practice.migrations.0003_backfill_episode_summaries"
    )
    EpisodeSummary.objects.all().delete()

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.backfill(apps, editor)
    assert rows() == expected
    EpisodeSummary.objects.all().delete()
    assert refresh_all() == len(expected)
    assert rows() == expected


def test_reading_rows_by_rater_and_instrument_only(world):
    """The practitioner's own rating and other instruments never enter the sparkline."""
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    actions.record_response(
        world.owner,
        session,
        "alliance-check-practitioner",
        ALLIANCE,
        rater=Rater.PRACTITIONER,
        source=Source.PRACTITIONER,
    )
    actions.record_response(
        world.owner, session, "phq9", {str(i): "1" for i in range(1, 10)}, source="check"
    )
    assert assert_fresh(episode)["alliance_recent"] == []


@pytest.mark.django_db(transaction=True)
def test_refresh_all_runs_outside_a_transaction():
    """The command-line rebuild is not inside a request's transaction (PostgreSQL locks)."""
    from tests.factories import build_world

    world = build_world()
    EpisodeSummary.objects.all().delete()
    assert refresh_all() >= 1
    assert stored(world.episode) == fresh(world.episode)


def test_the_refresh_command_rebuilds_every_summary(world):
    from typer.testing import CliRunner

    from alliance.cli import app

    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    actions.record_response(world.owner, session, "alliance-check", ALLIANCE, source="check")
    expected = stored(episode)
    EpisodeSummary.objects.all().delete()
    result = CliRunner().invoke(app, ["refresh-summaries", "--organisation", world.org.slug])
    assert result.exit_code == 0, result.output
    assert "summary(ies) rebuilt" in result.output
    assert stored(episode) == expected
    unknown = CliRunner().invoke(app, ["refresh-summaries", "--organisation", "nope"])
    assert unknown.exit_code == 2 and "No organisation with the slug 'nope'" in unknown.output


def test_an_answer_to_an_episode_without_a_summary_stores_a_whole_one(world):
    # Episodes made in bulk have no summary row: the answer path's narrow UPDATE finds
    # nothing to update, so it stores the whole summary, sessions included.
    episode = make_episode(make_client(world.owner))
    session = make_session(episode, days_after_start=1)
    EpisodeSummary.objects.filter(episode=episode).delete()
    actions.record_response(world.owner, session, "alliance-check", ALLIANCE, source="check")
    summary = assert_fresh(episode)
    assert summary["session_count"] == 1
    assert summary["alliance_recent"] == [MeasureResponse.objects.get(session=session).total]


def test_the_answer_path_reads_the_answers_once_and_writes_once(
    world, django_assert_max_num_queries
):
    from alliance.web.measures.recording import refresh_answer_summaries

    episode = make_episode(make_client(world.owner))
    make_session(episode, days_after_start=1)
    locks = 1 if connection.features.has_select_for_update else 0
    with django_assert_max_num_queries(2 + locks):
        refresh_answer_summaries([episode.pk], {episode.pk: episode.organisation_id})
    assert_fresh(episode)
