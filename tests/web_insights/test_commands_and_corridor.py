"""The batch commands, and an empirical expected-recovery corridor on the client page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from alliance.web.accounts.models import Role
from alliance.web.commands.alerts import monitor_all_command, refit_command, send_digest_command
from alliance.web.insights.models import (
    Alert,
    PracticeMonitoringSettings,
    StoredNorms,
    StoredRecoveryModel,
)
from alliance.web.practice import actions
from tests.factories import make_client, make_episode, make_organisation, make_user
from tests.web_insights.helpers import rated_session

pytestmark = pytest.mark.django_db


def test_commands_recompute_refit_and_send_the_digest(capsys, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    org = make_organisation()
    practitioner = make_user(org, Role.PRACTITIONER)
    practitioner.email = "p@example.org"
    practitioner.save()
    # A small practice may lower the minimum for a fitted corridor (the default is 50).
    PracticeMonitoringSettings.objects.create(
        organisation=org, settings={"min_completed_episodes": 3, "min_norm_episodes": 2}
    )
    for i in range(4):
        episode = make_episode(make_client(practitioner))
        for day, phq in enumerate([18, 16, 13, 11, 9 - i % 2]):
            rated_session(episode, day * 7 + 1, 7 + day * 0.25, phq=phq)
        if i < 3:
            actions.end_episode(
                practitioner,
                episode,
                ended_on=episode.started_on + dt.timedelta(days=40),
                ending_type="planned",
            )
    live = make_episode(make_client(practitioner))
    for day, phq in enumerate([18, 19, 21, 22]):
        rated_session(live, day * 7 + 1, 8, phq=phq)
    refit_command()
    out = capsys.readouterr().out
    assert "phq9 fitted on 3 completed episodes" in out
    assert StoredRecoveryModel.objects.filter(organisation=org, instrument_id="phq9").exists()
    monitor_all_command()
    out = capsys.readouterr().out
    assert "alert(s) created" in out
    assert StoredNorms.objects.filter(organisation=org).exists()
    alert = Alert.objects.get(episode=live, type="not_on_track")
    assert alert.method.startswith("empirical:")
    monitor_all_command()
    assert "0 alert(s) created" in capsys.readouterr().out
    send_digest_command()
    assert "1 digest(s) sent" in capsys.readouterr().out

    from django.test import Client

    browser = Client()
    browser.force_login(practitioner)
    body = browser.get(
        reverse("client", kwargs={"client_id": live.client.public_id})
    ).content.decode()
    assert "Expected-recovery corridor (empirical)" in body
    assert 'class="corridor"' in body
