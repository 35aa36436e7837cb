"""The demo shows every signal; batch and incremental runs give the same alerts; pages render."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.monitoring import SIGNAL_TYPES
from alliance.web.insights.demo import load_demo_measures
from alliance.web.insights.digest import send_digest
from alliance.web.insights.models import Alert, AlertState
from alliance.web.insights.services import refresh_episode
from alliance.web.practice.demo import load_demo_practice
from alliance.web.practice.models import Episode

pytestmark = pytest.mark.django_db

FIELDS = ("key", "type", "session_number", "instrument_id", "signal_state", "state", "evidence")


def snapshot(org):
    return sorted(
        tuple(str(v) for v in row)
        for row in Alert.objects.filter(organisation=org).values_list(*FIELDS)
    )


def test_demo_every_signal_batch_equals_incremental_and_pages(client, settings):
    org = load_demo_practice()
    stories = load_demo_measures(org)
    assert set(stories.values()) == {
        "repaired",
        "unrepaired",
        "not_on_track",
        "early",
        "critical",
        "disagreement",
        "missing",
        "open_rupture",
    }
    alerts = Alert.objects.filter(organisation=org)
    types = set(alerts.values_list("type", flat=True))
    assert types == set(SIGNAL_TYPES)
    ruptures = dict(
        alerts.filter(type="rupture").values_list("episode__client__code", "signal_state")
    )
    by_story = {story: code for code, story in stories.items()}
    assert ruptures[by_story["repaired"]] == "repaired"
    assert ruptures[by_story["unrepaired"]] == "unrepaired"
    assert ruptures[by_story["open_rupture"]] == "open"
    open_types = set(
        alerts.filter(state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED]).values_list(
            "type", flat=True
        )
    )
    assert open_types >= {
        "critical",
        "rupture",
        "not_on_track",
        "early_alliance",
        "disagreement",
        "missing_checks",
    }

    # Batch (already run by the demo) and the incremental path agree on the same data.
    batch = snapshot(org)
    Alert.objects.filter(organisation=org).delete()
    for episode in Episode.objects.filter(organisation=org):
        refresh_episode(episode)
    assert snapshot(org) == batch

    # The pages: inbox (critical first), client chart, caseload by risk.
    client.force_login(org.staff.get(username="therapist"))
    inbox = client.get(reverse("inbox")).content.decode()
    assert inbox.index("Critical answer") < inbox.index("Alliance rupture")
    assert "<svg" in inbox
    caseload = client.get(reverse("caseload")).content.decode()
    first_row = caseload.split("<tbody>")[1].split("</tr>")[0]
    assert by_story["critical"] in first_row
    assert "light-red" in first_row
    assert 'class="sparkline"' in caseload
    episode = Episode.objects.get(client__code=by_story["repaired"])
    page = client.get(reverse("client", kwargs={"client_id": episode.client.public_id}))
    body = page.content.decode()
    assert "Alliance over sessions" in body
    assert "mark-rupture" in body and "mark-repair" in body
    assert "Data table" in body
    assert "Rational rule" in body
    client.force_login(org.staff.get(username="supervisor"))
    supervised = client.get(reverse("inbox")).content.decode()
    assert "Alex Morgan" in supervised and "Priya Shah" in supervised
    assert by_story["open_rupture"] not in supervised  # the coach has no supervisor

    # The inbox runs the same number of queries for a small and a large inbox.
    counts = {}
    for username in ("coach", "therapist", "supervisor"):
        client.force_login(org.staff.get(username=username))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("inbox")).status_code == 200
        counts[username] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts

    # The digest: once a day, codes and types only.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_digest() == 3
    assert send_digest() == 0
    therapist_mail = next(m for m in mail.outbox if m.to == ["therapist@riverside.example"])
    assert by_story["critical"] in therapist_mail.body
    assert "PHQ" not in therapist_mail.body
