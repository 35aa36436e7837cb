"""Research exports: consenting clients only, pseudonymised, with a complete codebook, audited."""

from __future__ import annotations

import io
import re

import pandas as pd
import pyreadstat
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.research import research_id
from alliance.web.audit.models import AuditEntry
from alliance.web.research import actions
from alliance.web.research.datasets import (
    NoResearchData,
    consent_counts,
    tidy_frame,
)
from alliance.web.research.models import AppendOnlyError, ResearchConsent, ResearchExport
from tests.web_research.conftest import add_answered_episode

DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


def _export(rw, fmt="csv", shape="both", instruments=None):
    return actions.export_dataset(
        rw.world.researcher,
        organisation=rw.world.org,
        fmt=fmt,
        shape=shape,
        instruments=instruments,
    )


def _frames(result) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(io.BytesIO(content))
        for name, content in result.files.items()
        if name.endswith(".csv") and "codebook" not in name
    }


def _client_ids(result) -> set[str]:
    return {cid for frame in _frames(result).values() for cid in frame["client_id"]}


def _forbidden(rw) -> list[str]:
    world = rw.world
    clients = [*rw.consenting, rw.withdrawn, rw.not_asked, world.foreign_client]
    words = [
        "owner-note-secret",
        "owner-referral-secret",
        "colleague-note-secret",
        world.owner.username,
        world.owner.last_name,
        world.org.name,
    ]
    for client in clients:
        words += [client.code, str(client.public_id), client.name]
        words += [str(e.public_id) for e in client.episodes.all()]
    return [w for w in words if w]


@pytest.mark.django_db
def test_export_holds_no_code_name_date_or_free_text(research_world):
    rw = research_world
    result = _export(rw)
    assert {n.rsplit("-", 1)[-1] for n in result.files} == {"long.csv", "wide.csv", "codebook.csv"}
    forbidden = _forbidden(rw)
    for name, content in result.files.items():
        text = content.decode("utf-8")
        for word in forbidden:
            assert word not in text, f"{word!r} reached {name}"
        if "codebook" not in name:
            assert not DATE.search(text), f"a date reached {name}"
    long = _frames(result)[next(n for n in result.files if n.endswith("-long.csv"))]
    assert "days_since_start" in long.columns
    assert not {"note", "name", "code", "referral_reason", "session_date"} & set(long.columns)


@pytest.mark.django_db
def test_only_consenting_clients_of_the_organisation_appear(research_world):
    rw = research_world
    ids = _client_ids(_export(rw))
    expected = {research_id(rw.key, "client", str(c.public_id)) for c in rw.consenting}
    assert ids == expected
    for absent in (rw.withdrawn, rw.not_asked, rw.world.foreign_client):
        assert research_id(rw.key, "client", str(absent.public_id)) not in ids


@pytest.mark.django_db
def test_same_client_keeps_the_same_research_id_across_exports(research_world):
    rw = research_world
    first = _client_ids(_export(rw, shape="long"))
    parquet = _export(rw, fmt="parquet", shape="long")
    content = next(c for n, c in parquet.files.items() if n.endswith(".parquet"))
    second = set(pd.read_parquet(io.BytesIO(content))["client_id"])
    assert first == second
    assert len(first) == len(rw.consenting)


@pytest.mark.django_db
def test_withdrawal_removes_the_client_from_future_exports(research_world):
    rw = research_world
    leaving = rw.consenting[1]
    rid = research_id(rw.key, "client", str(leaving.public_id))
    assert rid in _client_ids(_export(rw))
    actions.withdraw_research_consent(leaving.practitioner, leaving)
    assert rid not in _client_ids(_export(rw))
    # history is kept: the consent row and the withdrawal row
    rows = list(ResearchConsent.objects.filter(client=leaving).order_by("id"))
    assert [r.in_force for r in rows] == [True, False]
    with pytest.raises(AppendOnlyError):
        rows[0].save()
    # consenting again brings the client back under the same research id
    actions.record_research_consent(leaving.practitioner, leaving)
    assert rid in _client_ids(_export(rw))


@pytest.mark.django_db
def test_codebook_describes_every_column(research_world):
    result = _export(research_world)
    names = sorted(result.files)
    for shape in ("long", "wide"):
        data = next(n for n in names if n.endswith(f"-{shape}.csv"))
        codebook = pd.read_csv(
            io.BytesIO(result.files[data.replace(".csv", "-codebook.csv")]), keep_default_na=False
        )
        frame = _frames(result)[data]
        assert list(codebook["variable"]) == list(frame.columns)
        assert set(codebook.columns) == {
            "variable",
            "type",
            "label",
            "values",
            "instrument",
            "licence",
        }
        assert (codebook["label"].str.len() > 0).all(), codebook[codebook["label"] == ""]
        assert (codebook["type"].str.len() > 0).all()
        items = codebook[codebook["variable"].str.match(r"^(phq9|gad7|alliance_check)_\d+$")]
        if shape == "long":
            assert len(items) >= 9
            assert (items["instrument"].str.len() > 0).all()
            assert (items["licence"].str.len() > 0).all()


@pytest.mark.django_db
def test_spss_file_reads_back_with_labels(research_world, tmp_path):
    result = _export(research_world, fmt="sav", shape="long")
    name, content = next((n, c) for n, c in result.files.items() if n.endswith(".sav"))
    path = tmp_path / name
    path.write_bytes(content)
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["client_id"] == "Research id of the client (keyed hash)"
    assert labels["phq9_1"] == "Little interest or pleasure in doing things"
    assert meta.variable_value_labels["mandated"] == {0.0: "no", 1.0: "yes"}
    assert "therapy" in meta.variable_value_labels["service"].values()
    assert len(frame) == len(pd.read_csv(io.BytesIO(_csv_long(research_world))))


def _csv_long(rw) -> bytes:
    result = _export(rw, shape="long")
    return next(c for n, c in result.files.items() if n.endswith("-long.csv"))


@pytest.mark.django_db
def test_every_export_is_audit_logged(research_world):
    rw = research_world
    before = AuditEntry.objects.filter(action="export").count()
    result = _export(rw, instruments=["phq9"])
    export, html = actions.export_report(rw.world.researcher, organisation=rw.world.org, seed=3)
    entries = AuditEntry.objects.filter(action="export").order_by("id")
    assert entries.count() == before + 2
    first, second = entries[before:]
    assert first.object_id == result.export.public_id
    assert first.actor == rw.world.researcher
    assert second.object_id == export.public_id
    assert "Random seed: <strong>3</strong>" in html
    stored = ResearchExport.objects.get(pk=result.export.pk)
    assert stored.instruments == ["phq9"]
    assert stored.n_clients == len(rw.consenting)
    # no client code reaches the audit summary of an export either
    for client in rw.consenting:
        assert client.code not in first.summary


@pytest.mark.django_db
def test_no_data_for_the_instruments_is_a_clear_error(research_world):
    with pytest.raises(NoResearchData):
        _export(research_world, instruments=["wai-sr"])


@pytest.mark.django_db
def test_consent_counts(research_world):
    counts = consent_counts(research_world.world.org)
    assert (counts.consenting, counts.withdrawn) == (4, 1)
    assert counts.not_recorded == counts.clients - 5


@pytest.mark.django_db
def test_tidy_frame_runs_a_fixed_number_of_queries(research_world):
    rw = research_world

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            tidy_frame(rw.world.org)
        return len(ctx.captured_queries)

    small = queries()
    import random

    rng = random.Random(3)
    for _ in range(3):
        client = add_answered_episode(rw.world.owner, rng, sessions=3)
        actions.record_research_consent(rw.world.owner, client)
    assert queries() == small == 1


@pytest.mark.django_db
def test_export_can_be_limited_to_services(research_world):
    import random

    from tests.factories import make_client, make_episode, make_session
    from tests.web_research.conftest import answer_session

    rw = research_world
    coached = make_client(rw.world.owner)
    episode = make_episode(coached, service="coaching")
    answer_session(make_session(episode), 0.6, random.Random(1))
    actions.record_research_consent(rw.world.owner, coached)
    result = actions.export_dataset(
        rw.world.researcher,
        organisation=rw.world.org,
        fmt="csv",
        shape="wide",
        services=["coaching"],
    )
    assert _client_ids(result) == {research_id(rw.key, "client", str(coached.public_id))}
    assert result.export.services == ["coaching"]
