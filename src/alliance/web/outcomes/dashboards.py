"""Compose the figures of the outcome dashboards from the tidy tables (no queries here
beyond those of :mod:`alliance.web.outcomes.data`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from alliance.outcomes import summarise_outcomes
from alliance.outcomes.effects import CAVEATS, alliance_outcome_split, practitioner_effects
from alliance.outcomes.practice import (
    BENCHMARKS,
    MIN_CELL,
    alliance_distribution,
    by_alliance_tercile,
    by_quarter,
    dropout,
    suppress,
)

RATE_LABELS = {
    "recovery": "Recovery",
    "reliable_improvement": "Reliable improvement",
    "reliable_deterioration": "Reliable deterioration",
    "reliable_recovery": "Reliable recovery",
}
COVARIATES = {
    "gad7_start": "intake GAD-7",
    "age": "age at the start",
}
DEFAULT_MIN_SESSIONS = 2


@dataclass
class Cell:
    """The figures of one group of episodes (a practitioner, a service, the practice)."""

    label: str
    summary: dict
    rates: list[dict] = field(default_factory=list)
    quarters: list[dict] = field(default_factory=list)
    alliance: dict = field(default_factory=dict)
    terciles: list[dict] = field(default_factory=list)
    tercile_left_out: dict = field(default_factory=dict)
    dropout: dict = field(default_factory=dict)


def _rate_rows(summary: dict) -> list[dict]:
    rows = []
    for key, label in RATE_LABELS.items():
        entry = summary.get("rates", {}).get(key)
        if entry is None:
            continue
        rows.append({"key": key, "label": label, **entry, "benchmark": BENCHMARKS.get(key)})
    return rows


def build_cell(label: str, table: pl.DataFrame, *, min_sessions: int, detail: bool = True) -> Cell:
    """Figures for the episodes in ``table`` (one row per episode, from ``outcome_table``).

    Outcome figures are over ended episodes; dropout over all (open ones left out and said
    so). Every cell, quarter and tercile with fewer than MIN_CELL counted episodes is
    suppressed.
    """
    ended = table.filter(pl.col("ended_on").is_not_null())
    open_n = table.height - ended.height
    summary = summarise_outcomes(ended)
    if open_n:
        summary["left_out"] = {**summary["left_out"], "still open": open_n}
    summary = suppress({**summary, "label": label})
    cell = Cell(label=label, summary=summary)
    if not summary["suppressed"]:
        cell.rates = _rate_rows(summary)
    drop = dropout(table, min_sessions=min_sessions)
    cell.dropout = suppress(drop, n_key="denominator")
    if not detail:
        return cell
    cell.quarters = [suppress(q) for q in by_quarter(ended)]
    for q in cell.quarters:
        if not q["suppressed"]:
            q["rate_rows"] = _rate_rows(q)
    values = ended["alliance_s3"].drop_nulls().to_list()
    dist = alliance_distribution(values)
    cell.alliance = dist if dist["n"] >= MIN_CELL else {"suppressed": True, "n": None}
    if cell.alliance.get("bins"):
        top = max(b["n"] for b in dist["bins"]) or 1
        for b in cell.alliance["bins"]:
            b["width"] = round(100 * b["n"] / top)
    terciles = by_alliance_tercile(ended)
    cell.terciles = [suppress(t) for t in terciles["terciles"]]
    for t in cell.terciles:
        if not t["suppressed"]:
            t["rate_rows"] = _rate_rows(t)
    cell.tercile_left_out = terciles["left_out"]
    return cell


def effects_rows(
    table: pl.DataFrame, names: dict[int, str], visible: set[int], covariates: list[str]
) -> dict:
    """Shrunken practitioner effects for the visible practitioners, fitted on the practice.

    The model uses every counted, ended episode of the practice (so each practitioner is
    compared with the same average), but only the rows in ``visible`` are returned.
    """
    data = table.filter(pl.col("counted") & pl.col("ended_on").is_not_null()).select(
        "practitioner_id", "phq9_start", "phq9_end", *covariates
    )
    result: dict[str, Any] = {
        "caveats": CAVEATS,
        "rows": [],
        "covariates": [COVARIATES[c] for c in covariates],
    }
    if data["practitioner_id"].n_unique() < 2 or data.height < 2 * MIN_CELL:
        result["not_enough"] = True
        return result
    fit = practitioner_effects(
        data.to_pandas(),
        outcome="phq9_end",
        intake="phq9_start",
        practitioner="practitioner_id",
        covariates=covariates,
    )
    result["icc"] = fit.icc
    result["n"] = fit.model.n_obs
    result["left_out"] = fit.left_out
    for row in fit.effects.to_dict(orient="records"):
        pid = int(row["practitioner"])
        if pid in visible:
            result["rows"].append({**row, "name": names.get(pid, "")})
    return result


def alliance_split(table: pl.DataFrame) -> dict:
    """The Baldwin, Wampold & Imel split over counted, ended episodes with a session-3 alliance."""
    data = table.filter(
        pl.col("counted") & pl.col("ended_on").is_not_null() & pl.col("alliance_s3").is_not_null()
    )
    left = table.height - data.height
    if data["practitioner_id"].n_unique() < 3 or data.height < 2 * MIN_CELL:
        return {"not_enough": True, "n": data.height, "left_out": left}
    split = alliance_outcome_split(
        data.select("practitioner_id", "phq9_start", "phq9_end", "alliance_s3").to_pandas(),
        outcome="phq9_end",
        alliance="alliance_s3",
        intake="phq9_start",
        practitioner="practitioner_id",
    )
    return {
        "within": split.within,
        "between": split.between,
        "difference": split.difference,
        "n": split.model.n_obs,
        "practitioners": split.model.n_groups,
        "left_out": left,
    }
