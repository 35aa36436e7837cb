"""Research data sets: consent, pseudonymisation, codebook, exports (CSV, Parquet, SPSS)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from alliance.research.datasets import (
    TIDY_COLUMNS,
    build_datasets,
    research_id,
    write_dataset,
)
from alliance.research.simulate import simulate_tidy

KEY = "a-research-project-key-of-32-bytes!"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def tidy():
    frame = simulate_tidy(40, seed=11)
    frame["notes"] = "Client said her sister Mary lives in Leeds"  # free text: never exported
    return frame


@pytest.fixture(scope="module")
def dataset(tidy):
    return build_datasets(
        tidy,
        KEY,
        instruments={
            "phq9": {
                "label": "PHQ-9",
                "licence": "Pfizer: free to use",
                "values": {
                    0: "not at all",
                    1: "several days",
                    2: "more than half the days",
                    3: "nearly every day",
                },
            },
        },
    )


def _cells(frame: pd.DataFrame) -> set[str]:
    return {str(v) for v in frame.astype(str).to_numpy().ravel()}


def test_input_columns_documented():
    import alliance.research.datasets as module

    for col in TIDY_COLUMNS:
        assert col in module.__doc__


def test_non_consenting_clients_never_appear(tidy, dataset):
    refused = tidy.loc[~tidy["research_consent"], "client_key"].unique()
    assert len(refused) > 0
    ids = {research_id(KEY, "client", k) for k in refused}
    assert not ids & set(dataset.long["client_id"])
    assert not ids & set(dataset.wide["client_id"])
    assert dataset.n_excluded_clients == len(refused)


def test_withdrawal_on_any_row_removes_the_client(tidy):
    frame = tidy.copy()
    first = frame.loc[frame["research_consent"], "client_key"].iloc[0]
    frame.loc[
        (frame["client_key"] == first) & (frame["session_number"] == 1), "research_consent"
    ] = False
    ds = build_datasets(frame, KEY)
    assert research_id(KEY, "client", first) not in set(ds.long["client_id"])


def test_no_clinic_code_date_or_free_text_reaches_an_export(tidy, dataset, tmp_path):
    keys = set(tidy["client_key"]) | set(tidy["episode_key"]) | set(tidy["practitioner_key"])
    for frame, codebook, name in (
        (dataset.long, dataset.codebook_long, "long"),
        (dataset.wide, dataset.codebook_wide, "wide"),
    ):
        for column in frame.columns:
            assert not pd.api.types.is_datetime64_any_dtype(frame[column])
        path = write_dataset(frame, codebook, tmp_path / f"{name}.csv")
        text = path.read_text()
        assert not DATE.search(text)
        assert "Mary" not in text and "notes" not in text
        assert not any(k in text for k in keys)
        assert not keys & _cells(frame)


def test_research_ids_are_stable_and_keyed(tidy, dataset):
    subset = tidy[tidy["client_key"].isin(tidy["client_key"].unique()[:10])]
    again = build_datasets(subset, KEY)
    shared = set(again.long["client_id"])
    assert shared <= set(dataset.long["client_id"])
    other = build_datasets(subset, KEY + "-other")
    assert not set(other.long["client_id"]) & shared
    assert re.fullmatch(r"C[0-9a-f]{20}", next(iter(shared)))
    with pytest.raises(ValueError):
        research_id("short", "client", "x")


def test_long_and_wide_shapes(tidy, dataset):
    consenting = tidy[tidy["research_consent"]]
    forms = consenting.drop_duplicates(["episode_key", "session_number", "instrument"])
    assert len(dataset.long) == len(forms)
    assert len(dataset.wide) == consenting["episode_key"].nunique()
    assert dataset.long["days_since_start"].min() >= 0
    # items of a form sum to its score (the simulation scores by summing)
    phq = dataset.long[dataset.long["instrument"] == "phq9"]
    items = [f"phq9_{i}" for i in range(1, 10)]
    np.testing.assert_allclose(phq[items].sum(axis=1), phq["score"])
    assert "wai_sr_score_s1" in dataset.wide.columns
    assert "wai_sr_score_goal_s1" in dataset.wide.columns


def test_codebook_is_complete(dataset):
    for frame, codebook in (
        (dataset.long, dataset.codebook_long),
        (dataset.wide, dataset.codebook_wide),
    ):
        assert list(codebook["variable"]) == list(frame.columns)
        assert list(codebook.columns) == [
            "variable",
            "type",
            "label",
            "values",
            "instrument",
            "licence",
        ]
        assert codebook["label"].str.len().gt(0).all()
        assert codebook["type"].isin(["string", "integer", "float", "boolean"]).all()
    cb = dataset.codebook_long.set_index("variable")
    assert cb.loc["phq9_1", "instrument"] == "phq9"
    assert cb.loc["phq9_1", "licence"] == "Pfizer: free to use"
    assert "nearly every day" in cb.loc["phq9_1", "values"]


def test_spss_readable_back_with_labels(dataset, tmp_path):
    path = write_dataset(dataset.long, dataset.codebook_long, tmp_path / "long.sav")
    back, meta = pyreadstat.read_sav(str(path))
    labels = dict(
        zip(dataset.codebook_long["variable"], dataset.codebook_long["label"], strict=True)
    )
    assert meta.column_names_to_labels == labels
    assert set(meta.variable_value_labels["service"].values()) == set(
        dataset.long["service"].dropna().unique()
    )
    assert meta.variable_value_labels["mandated"] == {0.0: "no", 1.0: "yes"}
    assert list(back["client_id"]) == list(dataset.long["client_id"])
    np.testing.assert_allclose(back["score"], dataset.long["score"])
    wide = write_dataset(dataset.wide, dataset.codebook_wide, tmp_path / "wide.sav")
    assert pyreadstat.read_sav(str(wide))[0].shape == dataset.wide.shape


def test_parquet_round_trip(dataset, tmp_path):
    path = write_dataset(dataset.long, dataset.codebook_long, tmp_path / "long.parquet")
    back = pd.read_parquet(path)
    assert list(back.columns) == list(dataset.long.columns)
    assert len(back) == len(dataset.long)
    with pytest.raises(ValueError):
        write_dataset(dataset.long, dataset.codebook_long, tmp_path / "long.xlsx")


def test_bad_input_is_refused(tidy):
    with pytest.raises(KeyError):
        build_datasets(tidy.drop(columns=["research_consent"]), KEY)
    frame = tidy.copy()
    frame.loc[frame.index[0], "service"] = "x" * 200
    with pytest.raises(ValueError, match="free text"):
        build_datasets(frame, KEY)


def test_dataset_command(tidy, tmp_path):
    from typer.testing import CliRunner

    from alliance.commands.research import app

    data = tmp_path / "tidy.csv"
    tidy.to_csv(data, index=False)
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["dataset", str(data), "--out-dir", str(out), "--format", "csv", "--format", "sav"],
        env={"ALLIANCE_RESEARCH_KEY": KEY},
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "codebook_long.csv",
        "codebook_wide.csv",
        "long.csv",
        "long.sav",
        "wide.csv",
        "wide.sav",
    ]
    long = pd.read_csv(out / "long.csv")
    assert set(long["client_id"]) == {
        research_id(KEY, "client", k) for k in tidy.loc[tidy["research_consent"], "client_key"]
    }
    no_key = runner.invoke(
        app, ["dataset", str(data), "--out-dir", str(out)], env={"ALLIANCE_RESEARCH_KEY": ""}
    )
    assert no_key.exit_code == 2
