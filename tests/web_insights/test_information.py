"""Alerts versus information: relative signals stay out of the inbox (issue 12)."""

from __future__ import annotations

import pytest

from alliance.monitoring import MonitoringSettings, PracticeNorms, monitor
from alliance.web.accounts.models import Role
from alliance.web.insights.caseload import caseload_risk
from alliance.web.insights.inbox import inbox_for_user
from alliance.web.insights.models import Alert
from alliance.web.insights.services import upsert_alerts
from tests.factories import make_client, make_episode, make_organisation, make_user
from tests.monitoring.helpers import AC, frame, series

pytestmark = pytest.mark.django_db


def test_early_alliance_in_the_practice_lowest_quarter_is_information_not_an_inbox_alert():
    org = make_organisation()
    practitioner = make_user(org, Role.PRACTITIONER)
    weak, low = make_episode(make_client(practitioner)), make_episode(make_client(practitioner))
    rows = series(str(weak.public_id), [7, 7, 6.5, 6.5, 6.5]) + series(
        str(low.public_id), [5, 5, 4, 4.5, 5]
    )
    signals = monitor(
        frame(rows), norms=PracticeNorms(early_percentile={AC: 7.0}), settings=MonitoringSettings()
    ).signals
    upsert_alerts(
        org,
        signals,
        {str(e.public_id): e for e in (weak, low)},
        existing=[],
    )
    info = Alert.objects.get(episode=weak, type="early_alliance")
    assert info.is_information and info.method == "practice_percentile"
    below_cutoff = Alert.objects.get(episode=low, type="early_alliance")
    assert not below_cutoff.is_information  # below the instrument's low cut-off: an alert
    shown = [v.alert for g in inbox_for_user(practitioner) for v in g.shown + g.more]
    assert info not in shown and below_cutoff in shown
    # the caseload still shows it
    risk = caseload_risk(practitioner, [weak, low])
    assert "Weak early alliance" in risk[weak.pk].labels


def test_the_thresholds_in_use_say_whether_they_are_the_practices_or_the_defaults():
    from alliance.web.insights.demo import load_demo_measures
    from alliance.web.insights.services import thresholds_in_use
    from alliance.web.practice.demo import load_demo_practice

    org = make_organisation()
    rows = {r["instrument"]: r for r in thresholds_in_use(org)}
    assert rows["alliance-check"]["noise_sd"] == 0.8
    assert rows["alliance-check"]["source"].startswith("instrument default: conservative")
    assert rows["wai-sr"]["low_cutoff"] == 36.0 and rows["wai-sr"]["reliable_change"] == 5.82
    demo = load_demo_practice()
    load_demo_measures(demo)  # runs the batch monitoring, which stores the practice's norms
    used = {r["instrument"]: r for r in thresholds_in_use(demo)}["alliance-check"]
    assert used["source"].startswith("practice estimate (") and used["noise_sd"] != 0.8
