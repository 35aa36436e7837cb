"""`alliance research-export` writes the data sets and is audited; the demo's consents."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from alliance.research import research_id
from alliance.web.audit.models import AuditEntry
from alliance.web.commands.research_export import export_command
from alliance.web.research.datasets import consent_counts
from alliance.web.research.demo import load_demo_consents
from alliance.web.research.models import ResearchConsent, ResearchExport


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(export_command)
    return app


@pytest.mark.django_db
def test_cli_export_writes_data_sets_and_codebooks_and_is_audited(research_world, tmp_path):
    rw = research_world
    out = tmp_path / "export"
    result = CliRunner().invoke(
        _app(),
        [
            "--organisation",
            rw.world.org.slug,
            "--format",
            "csv",
            "--out",
            str(out),
            "--instrument",
            "phq9",
            "--instrument",
            "alliance-check",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 4
    long = pd.read_csv(next(out.glob("*-long.csv")))
    assert set(long["instrument"]) == {"phq9", "alliance-check"}
    assert set(long["client_id"]) == {
        research_id(rw.key, "client", str(c.public_id)) for c in rw.consenting
    }
    export = ResearchExport.objects.get()
    assert (export.via, export.created_by, export.format) == ("cli", None, "csv")
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_id == export.public_id
    assert entry.organisation == rw.world.org


@pytest.mark.django_db
def test_cli_refuses_unknown_organisation_and_format(tmp_path):
    runner = CliRunner()
    bad_org = runner.invoke(_app(), ["--organisation", "nowhere", "--out", str(tmp_path)])
    assert bad_org.exit_code == 2
    bad_format = runner.invoke(
        _app(), ["--organisation", "x", "--format", "xlsx", "--out", str(tmp_path)]
    )
    assert bad_format.exit_code == 2
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.django_db
def test_demo_consents(world):
    counts = load_demo_consents(world.org)
    assert counts["withdrawn"] == 1
    assert counts["consenting"] >= 1
    stored = consent_counts(world.org)
    assert (stored.consenting, stored.withdrawn) == (counts["consenting"], counts["withdrawn"])
    assert ResearchConsent.objects.filter(organisation=world.org).count() == (
        counts["consenting"] + 2 * counts["withdrawn"]
    )
