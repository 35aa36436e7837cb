"""A critical answer flags even when too few items were answered for a total (PHQ-9 item 9
alone): the alert opens in the inbox, stays acknowledged once reviewed, and survives the
nightly batch run."""

from __future__ import annotations

from alliance.web.insights import actions
from alliance.web.insights.models import Alert, AlertState
from alliance.web.insights.services import monitor_organisation
from alliance.web.measures.models import MeasureResponse, Source
from alliance.web.measures.recording import Administration, record_responses
from tests.factories import make_session


def _only_item_9(session, value: int, on_commit) -> None:
    # The answer path's own after-commit step opens the alert, as in a real request.
    with on_commit(execute=True):
        record_responses(
            None,
            [Administration.for_session(session, "phq9", {"9": value})],
            source=Source.FHIR,
            organisation=session.organisation,
            summary="test",
        )


def test_item_9_alone_opens_a_critical_alert(world, django_capture_on_commit_callbacks):
    session = make_session(world.episode, days_after_start=8)
    _only_item_9(session, 2, django_capture_on_commit_callbacks)
    stored = MeasureResponse.objects.get(session=session, instrument_id="phq9")
    assert stored.critical and not stored.scored and stored.total is None
    alert = Alert.objects.get(episode=world.episode, type="critical")
    assert alert.state == AlertState.OPEN
    assert alert.session_number == session.number and alert.instrument_id == "phq9"

    # The nightly run keeps it, once.
    monitor_organisation(world.org)
    assert Alert.objects.filter(episode=world.episode, type="critical").count() == 1

    # Acknowledged, it marks the answer reviewed and stays acknowledged after a refresh.
    actions.acknowledge_alert(world.owner, alert)
    stored.refresh_from_db()
    assert stored.critical_acknowledged_at is not None
    monitor_organisation(world.org)
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED


def test_item_9_at_zero_alone_opens_nothing(world, django_capture_on_commit_callbacks):
    session = make_session(world.episode, days_after_start=8)
    _only_item_9(session, 0, django_capture_on_commit_callbacks)
    assert not Alert.objects.filter(episode=world.episode, type="critical").exists()
