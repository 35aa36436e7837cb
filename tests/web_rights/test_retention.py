"""The retention rule: the admin's settings page and `alliance apply-retention`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from alliance.cli import app
from alliance.web.audit.models import AuditEntry
from alliance.web.practice import actions as practice
from alliance.web.practice.models import Client
from alliance.web.rights.actions import is_anonymised
from alliance.web.rights.retention import apply_retention, due_clients, years_before
from tests.factories import make_client, make_episode, make_session

runner = CliRunner()
TODAY = dt.date(2030, 6, 15)


def _ended(owner, *, ended_on: dt.date, open_too: bool = False, name: str = "") -> Client:
    client = make_client(owner, name=name)
    episode = make_episode(client, started_on=ended_on - dt.timedelta(days=90))
    make_session(episode, days_after_start=10, note="retention-note")
    practice.end_episode(owner, episode, ended_on=ended_on, ending_type="planned")
    if open_too:
        make_episode(client, started_on=ended_on + dt.timedelta(days=30))
    return client


@pytest.fixture
def boundary(world):
    """Clients around the cut-off of a two-year rule on TODAY (cut-off 2028-06-15)."""
    world.org.retention_years = 2
    world.org.save()
    cutoff = years_before(TODAY, 2)
    return {
        "due": _ended(world.owner, ended_on=cutoff - dt.timedelta(days=1), name="Due Person"),
        "on_cutoff": _ended(world.owner, ended_on=cutoff),
        "recent": _ended(world.owner, ended_on=cutoff + dt.timedelta(days=1)),
        "reopened": _ended(world.owner, ended_on=dt.date(2020, 1, 10), open_too=True),
        "no_episode": make_client(world.owner),
    }


def test_years_before_handles_leap_days():
    assert years_before(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)
    assert years_before(dt.date(2030, 6, 15), 8) == dt.date(2022, 6, 15)


def test_only_clients_past_the_period_with_no_open_episode_are_due(world, boundary):
    due = set(due_clients(world.org, TODAY))
    assert due == {boundary["due"]}


def test_dry_run_writes_nothing(world, boundary):
    audit_before = AuditEntry.objects.count()
    [run, _other] = apply_retention(today=TODAY, dry_run=True)
    assert run.organisation == world.org
    assert run.codes == [boundary["due"].code]
    assert run.done == 0
    assert AuditEntry.objects.count() == audit_before
    boundary["due"].refresh_from_db()
    assert boundary["due"].name == "Due Person"
    assert not is_anonymised(boundary["due"])


def test_anonymises_and_is_idempotent(world, boundary):
    runs = apply_retention(today=TODAY)
    assert [r.done for r in runs] == [1, 0]
    due = Client.objects.get(pk=boundary["due"].pk)
    assert is_anonymised(due) and due.name == ""
    entry = AuditEntry.objects.filter(summary__startswith="retention: anonymised").get()
    assert boundary["due"].code in entry.summary
    again = apply_retention(today=TODAY)
    assert [r.codes for r in again] == [[], []]
    for key in ("on_cutoff", "recent", "reopened", "no_episode"):
        assert not is_anonymised(boundary[key]), key


def test_erase_action(world, boundary):
    world.org.retention_action = "erase"
    world.org.save()
    apply_retention(today=TODAY)
    assert not Client.objects.filter(pk=boundary["due"].pk).exists()
    assert Client.objects.filter(pk=boundary["on_cutoff"].pk).exists()
    assert apply_retention(today=TODAY)[0].codes == []


@pytest.fixture
def old_client(world):
    """A client whose only episode ended ten years ago (the default rule keeps eight)."""
    return _ended(world.owner, ended_on=timezone.localdate() - dt.timedelta(days=3660))


def test_cli_apply_retention_dry_run_then_for_real(world, old_client):
    result = runner.invoke(app, ["apply-retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{world.org.slug}: keep 8 years, then anonymise" in result.output
    assert f"1 client(s) would be anonymised: {old_client.code}" in result.output
    assert "nothing was written" in result.output
    assert not is_anonymised(old_client)
    result = runner.invoke(app, ["apply-retention"])
    assert result.exit_code == 0, result.output
    assert f"1 client(s) anonymised: {old_client.code}" in result.output
    assert is_anonymised(old_client)
    result = runner.invoke(app, ["apply-retention"])
    assert "nothing to do" in result.output
    assert "0 client(s) changed" in result.output


def test_management_command(world, old_client):
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert f"would be anonymised: {old_client.code}" in out.getvalue()
    assert not is_anonymised(old_client)
    call_command("apply_retention", stdout=io.StringIO())
    assert is_anonymised(old_client)


def test_progress_bar_for_large_runs(world):
    clients = [
        _ended(world.owner, ended_on=timezone.localdate() - dt.timedelta(days=3660 + n))
        for n in range(20)
    ]
    result = runner.invoke(app, ["apply-retention"])
    assert result.exit_code == 0, result.output
    assert "20 client(s) anonymised" in result.output
    assert all(is_anonymised(c) for c in clients)


# --- the admin's settings page ---------------------------------------------------------------


def test_admin_sets_the_retention_rule(world, login):
    client = login(world.admin)
    url = reverse("retention_settings")
    page = client.get(url)
    assert page.status_code == 200
    assert 'for="id_retention_years"' in page.content.decode()
    response = client.post(url, {"retention_years": "10", "retention_action": "erase"})
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert (world.org.retention_years, world.org.retention_action) == (10, "erase")
    entry = AuditEntry.objects.filter(summary__startswith="retention:").get()
    assert "8 years, anonymise → 10 years, erase" in entry.summary
    assert entry.actor == world.admin


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"retention_years": "0", "retention_action": "erase"}, "at least 1 year"),
        ({"retention_years": "500", "retention_action": "erase"}, "at most 100 years"),
        ({"retention_years": "ten", "retention_action": "erase"}, "whole number of years"),
        ({"retention_years": "5", "retention_action": "shred"}, "Select a valid choice"),
    ],
)
def test_invalid_retention_is_refused_with_a_message(world, login, data, message):
    response = login(world.admin).post(reverse("retention_settings"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    world.org.refresh_from_db()
    assert (world.org.retention_years, world.org.retention_action) == (8, "anonymise")
    assert not AuditEntry.objects.filter(summary__startswith="retention:").exists()


@pytest.mark.parametrize("persona", ["owner", "supervisor", "researcher"])
def test_only_admins_set_retention(world, login, persona):
    client = login(world.personas()[persona])
    assert client.get(reverse("retention_settings")).status_code == 404
    assert client.post(reverse("retention_settings"), {"retention_years": "1"}).status_code == 404
    assert client.get(reverse("data_requests")).status_code == 404
