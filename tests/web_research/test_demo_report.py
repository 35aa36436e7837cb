"""The demo's research data: realistic item correlations and enough consenting episodes for
every part of the report, whose counts match the research page's."""

from __future__ import annotations

import random
import re

import pytest
from django.urls import reverse

from alliance.web.demo import load_demo
from alliance.web.insights.demo import load_demo_measures, spread_items
from alliance.web.insights.models import Alert, AlertState
from alliance.web.practice.demo import load_demo_practice
from alliance.web.research.actions import export_report
from alliance.web.research.datasets import alliance_reliability, consent_counts
from alliance.web.research.demo import load_demo_archive, load_demo_consents
from alliance.web.research.models import ResearchExport

WARNINGS = (
    "Reliability not computed",
    "not tested",
    "Multilevel model not fitted",
    "RI-CLPM not fitted",
    "CFA not computed",
    "No alliance-check forms",
    "Alliance split not fitted",
)


@pytest.fixture
def demo_org(db):
    """The whole demo practice, loaded as `alliance demo` loads it."""
    return load_demo()


@pytest.fixture
def archive_org(db):
    """The demo's current caseload and its measures, then its past clients and consents,
    with the alerts open before the past clients came."""
    org = load_demo_practice()
    load_demo_measures(org)
    open_before = sorted(
        Alert.objects.filter(organisation=org, state=AlertState.OPEN).values_list("key", flat=True)
    )
    load_demo_consents(org)
    org.open_before = open_before
    return org


def test_the_report_computes_every_part_on_the_demo(demo_org, client):
    reliability = alliance_reliability(demo_org)
    assert not reliability.problem
    [scale] = reliability.table
    assert 0.7 <= scale["alpha"] <= 0.95
    assert scale["omega_total"] is not None and 0.7 <= scale["omega_total"] <= 0.95
    assert scale["n"] >= 50
    for item in reliability.items:
        assert 0.3 < item["r_drop"] < 0.95, item  # correlated, never collinear
        assert item["r_total"] < 0.99, item

    export, html = export_report(None, organisation=demo_org)
    for warning in WARNINGS:
        assert warning not in html, warning
    assert "Measurement invariance of alliance" in html
    assert "Within-person paths" in html and "Fixed effects" in html
    assert "between practitioners (the practitioner&#x27;s part)" in html or (
        "between practitioners (the practitioner's part)" in html
    )
    episodes = int(re.search(r"FIML on (\d+) episodes", html).group(1))
    assert episodes >= 50

    # "Left out (no research consent)" is the research page's withdrawn + not recorded.
    counts = consent_counts(demo_org)
    left_out = int(
        re.search(r"clients left out \(no research consent\)</td><td[^>]*>(\d+)<", html).group(1)
    )
    assert counts.withdrawn >= 1 and counts.not_recorded >= 1
    assert left_out == counts.withdrawn + counts.not_recorded
    assert export.n_excluded_clients == left_out
    assert ResearchExport.objects.get(pk=export.pk).n_clients == counts.consenting
    client.force_login(demo_org.staff.get(username="researcher"))
    page = client.get(reverse("research")).content.decode()
    assert f'data-count="withdrawn">{counts.withdrawn}<' in page
    assert f'data-count="not-recorded">{counts.not_recorded}<' in page


def test_past_clients_leave_the_caseload_and_its_alerts_alone(archive_org):
    # The archive's episodes have all ended, so every open alert is a current client's, and
    # every kind of signal the stories raise is still open. (The practice's norms now include
    # the past clients, so which client sits in the lowest quarter may change: that is the
    # relative signal doing its job.)
    open_after = Alert.objects.filter(organisation=archive_org, state=AlertState.OPEN)
    assert not open_after.filter(episode__ended_on__isnull=False).exists()
    kinds_before = {key.split(":")[0] for key in archive_org.open_before}
    assert {key.split(":")[0] for key in open_after.values_list("key", flat=True)} == kinds_before
    before = archive_org.clients.count()
    assert load_demo_archive(archive_org) == 0  # loading again adds no second archive
    assert archive_org.clients.count() == before
    assert archive_org.episodes.filter(ended_on__isnull=True).count() < 30


def test_item_answers_keep_the_total_and_vary():
    rng = random.Random(1)
    seen = set()
    for total in range(0, 41):
        items = spread_items(total, 4, 0, 10, rng=rng, sd=1.1)
        assert sum(items) == total and all(0 <= v <= 10 for v in items)
        seen.add(tuple(items))
    assert spread_items(18, 4, 0, 10) == [5, 5, 4, 4]  # no rng: as even as possible
    assert len(seen) == 41
    assert any(len(set(items)) > 2 for items in seen)
