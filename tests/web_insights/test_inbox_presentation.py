"""The inbox speaks plainly: compact cards, guidance folded away, engine names only in a
details view, titles that agree with the evidence, demo alerts dated by their sessions, and
one open-alert count shared by the inbox, the caseload and self-care."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from alliance.web.insights.caseload import open_alert_count
from alliance.web.insights.demo import load_demo_measures
from alliance.web.insights.evidence import plain_evidence, session_span, sessions_label
from alliance.web.insights.inbox import inbox_for_user
from alliance.web.insights.models import INFORMATION, Alert, AlertState, AlertType
from alliance.web.pages.selfcare import caseload_load
from alliance.web.practice.demo import load_demo_practice
from alliance.web.practice.models import Session

pytestmark = pytest.mark.django_db

INTERNAL = ("self_report+statistical_1sd", "critical_item", "SD from", "pooled", "low_cutoff")


def inbox_alerts(user):
    """The alerts on the user's inbox cards: open or acknowledged, information left out."""
    return (
        Alert.objects.filter(episode__practitioner=user)
        .exclude(state=AlertState.RESOLVED)
        .exclude(severity=INFORMATION)
    )


@pytest.fixture
def demo():
    org = load_demo_practice()
    stories = load_demo_measures(org)
    return org, {story: code for code, story in stories.items()}


def _outside_details(html: str) -> str:
    return re.sub(r'<details class="alert-details">.*?</details>', "", html, flags=re.S)


def test_cards_hide_engine_names_and_fold_the_guidance(client, demo):
    org, _stories = demo
    client.force_login(org.staff.get(username="therapist"))
    html = client.get(reverse("inbox")).content.decode()
    assert 'class="alert-details"' in html
    outside = _outside_details(html)
    for name in INTERNAL:
        assert name not in outside, name
    details = "".join(re.findall(r'<details class="alert-details">.*?</details>', html, re.S))
    # Each card's engine method name is in its details view, and nowhere else.
    methods = set(
        inbox_alerts(org.staff.get(username="therapist")).values_list("method", flat=True)
    )
    assert "critical_item" in methods and len(methods) >= 3
    for method in (m for m in methods if "_" in m or "+" in m):  # engine names, not words
        assert method in details and method not in outside, method
    # Guidance sits in a closed disclosure: none of it is open on load.
    guidance = re.findall(r"<details class=\"guidance\"( open)?>(.*?)</details>", html, re.S)
    assert guidance and all(opened == "" for opened, _body in guidance)
    unfolded = re.sub(r'<details class="guidance">.*?</details>', "", outside, flags=re.S)
    assert "3RS strategy" in html and "3RS strategy" not in unfolded
    assert re.search(r"The client&#x27;s alliance rating fell from [\d.]+ to [\d.]+", html)


def test_titles_agree_with_the_evidence(demo):
    org, stories = demo
    low = Alert.objects.get(
        organisation=org, type=AlertType.LOW_ALLIANCE, episode__client__code=stories["early"]
    )
    assert low.evidence["last_low_session"] > low.session_number  # the case in the issue
    label = sessions_label(low)
    assert label == f"sessions {low.session_number}–{low.evidence['last_low_session']}"
    assert f"most recently at session {low.evidence['last_low_session']}" in plain_evidence(low)
    for alert in Alert.objects.filter(organisation=org):
        first, last = session_span(alert)
        text = plain_evidence(alert)
        assert text, alert.type
        mentioned = re.findall(r"sessions? (\d+(?:, \d+)*)", text)
        for number in (int(n) for group in mentioned for n in group.split(", ")):
            if alert.type == AlertType.RUPTURE and "Repaired at" in text:
                continue  # the repair comes after the rupture, by design
            assert first <= number <= last, (alert.type, text, first, last)


def test_demo_alerts_carry_the_date_of_their_session(demo):
    org, _stories = demo
    today = timezone.now()
    alerts = list(Alert.objects.filter(organisation=org))
    starts = {
        (e, n): s
        for e, n, s in Session.objects.filter(organisation=org).values_list(
            "episode_id", "number", "starts_at"
        )
    }
    for alert in alerts:
        first, last = session_span(alert)
        number = last if alert.type == AlertType.MISSING_CHECKS else first
        session_start = starts[(alert.episode_id, number)]
        assert session_start < alert.opened_at <= session_start + dt.timedelta(days=3)
        assert alert.opened_at < today - dt.timedelta(hours=12), alert.type
    # Not all on one day: each alert has its own session's date.
    assert len({a.opened_at.date() for a in alerts}) > 3


def test_a_refresh_dates_only_new_alerts(demo):
    org, _stories = demo
    before = dict(Alert.objects.filter(organisation=org).values_list("pk", "opened_at"))
    Alert.objects.filter(organisation=org, type=AlertType.DISAGREEMENT).delete()
    load_demo_measures(org)  # already loaded: only refreshes the signals
    after = dict(Alert.objects.filter(organisation=org).values_list("pk", "opened_at"))
    for pk, opened in before.items():
        if pk in after:
            assert after[pk] == opened
    recreated = Alert.objects.filter(organisation=org, type=AlertType.DISAGREEMENT)
    assert recreated.exists()
    assert all(a.opened_at < timezone.now() - dt.timedelta(hours=12) for a in recreated)


def _lede_count(html: str) -> int:
    return int(re.search(r"(\d+) open alerts?\.", html).group(1))


def test_inbox_caseload_and_self_care_show_one_count(client, demo):
    org, _stories = demo
    therapist = org.staff.get(username="therapist")
    # A snooze that ran out counts as open again, everywhere.
    alert = Alert.objects.filter(episode__practitioner=therapist, state=AlertState.OPEN).exclude(
        type=AlertType.CRITICAL
    )[0]
    alert.state = AlertState.SNOOZED
    alert.snoozed_until = timezone.now() - dt.timedelta(days=1)
    alert.save()
    # A live snooze does not count.
    other = Alert.objects.filter(episode__practitioner=therapist, state=AlertState.OPEN).exclude(
        type=AlertType.CRITICAL
    )[0]
    other.state = AlertState.SNOOZED
    other.snoozed_until = timezone.now() + dt.timedelta(days=3)
    other.save()
    for username in ("therapist", "counsellor", "coach", "supervisor"):
        user = org.staff.get(username=username)
        expected = open_alert_count(user)
        groups = inbox_for_user(user)
        assert sum(g.open_count for g in groups) == expected, username
        client.force_login(user)
        assert _lede_count(client.get(reverse("inbox")).content.decode()) == expected
        caseload = client.get(reverse("caseload")).content.decode()
        if expected:
            assert f"{expected} open alert" in caseload, username
        if username != "supervisor":
            assert caseload_load(user).open_alerts == expected
            page = client.get(reverse("self_care")).content.decode()
            assert re.search(rf"Open alerts</dt><dd>{expected}</dd>", page), username
    assert open_alert_count(therapist) > 0


def test_the_digest_names_the_same_sessions_as_the_card(demo):
    from alliance.web.insights.digest import digest_text

    org, stories = demo
    low = Alert.objects.get(
        organisation=org, type=AlertType.LOW_ALLIANCE, episode__client__code=stories["early"]
    )
    text = digest_text(low.episode.practitioner, [low], 10, timezone.now(), "http://x")
    assert f"client {low.episode.client.code}, {sessions_label(low)}" in text
    assert "sessions " in sessions_label(low)
