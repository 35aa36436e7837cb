"""Counts and rates for a group of episodes, and the grouping by practitioner and service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import polars as pl

from alliance.instruments import load_instrument

from .definitions import Scores, as_scores, instrument_outcomes, talking_therapies_outcomes
from .stats import cohen_d_intake, paired_d, rate

__all__ = [
    "COUNT_KEYS",
    "RATE_KEYS",
    "summarise_outcomes",
    "summarise",
    "group_labels",
    "summarise_groups",
]

COUNT_KEYS = (
    "episodes",
    "counted",
    "case_at_start",
    "recovered",
    "reliably_improved",
    "reliably_deteriorated",
    "reliably_recovered",
)
# rate name -> (numerator column, over cases at start?)
RATE_KEYS = {
    "recovery": ("recovered", True),
    "reliable_improvement": ("reliably_improved", False),
    "reliable_deterioration": ("reliably_deteriorated", False),
    "reliable_recovery": ("reliably_recovered", False),
}
NOT_A_CASE = "not a case at the start"


def _count(frame: pl.DataFrame, col: str) -> int:
    return int(frame.filter(pl.col(col).fill_null(False)).height)


def summarise_outcomes(per_episode: pl.DataFrame, *, caseness: bool = True) -> dict[str, Any]:
    """Counts and rates with Wilson intervals from one row per episode.

    ``per_episode`` is the output of :func:`instrument_outcomes` or
    :func:`talking_therapies_outcomes`. The recovery rate is over episodes that were a case
    at start (NHS Talking Therapies); the other rates are over counted episodes. Each rate
    carries ``left_out``: how many episodes of the group are not in its denominator, by
    reason.
    """
    left = dict(sorted(Counter(r for r in per_episode["reason"].to_list() if r).items()))
    counted = per_episode.filter(pl.col("counted"))
    out: dict[str, Any] = {"episodes": per_episode.height, "counted": counted.height}
    for key in COUNT_KEYS[2:]:
        out[key] = _count(counted, key) if per_episode[key].dtype == pl.Boolean else 0
    out["left_out"] = dict(left)
    rates = {}
    cases = out["case_at_start"]
    for name, (col, over_cases) in RATE_KEYS.items():
        if counted.height and counted[col].null_count() == counted.height:
            continue  # the instrument has no cut-off or no reliable-change criterion
        if over_cases:
            if not caseness:
                continue
            not_case = counted.height - cases
            reasons = dict(left)
            if not_case:
                reasons[NOT_A_CASE] = not_case
            rates[name] = rate(out[col], cases, reasons).to_dict()
        else:
            rates[name] = rate(out[col], counted.height, dict(left)).to_dict()
    out["rates"] = rates
    return out


def _effect_sizes(per: pl.DataFrame, higher_is_better: bool) -> dict[str, Any]:
    left = dict(sorted(Counter(r for r in per["reason"].to_list() if r).items()))
    done = per.filter(pl.col("counted"))
    start, end = done["start"].to_numpy(), done["end"].to_numpy()
    return {
        "cohen_d_intake": cohen_d_intake(
            start, end, higher_is_better=higher_is_better, left_out=dict(left)
        ).to_dict(),
        "paired_d": paired_d(
            start, end, higher_is_better=higher_is_better, left_out=dict(left)
        ).to_dict(),
    }


def summarise(scores: Scores, *, instruments: Iterable[str] | None = None) -> dict[str, Any]:
    """The Talking Therapies paired figures and each instrument's own figures for a group.

    Returns a dict with the integer counts of :data:`COUNT_KEYS`, ``rates`` (each with its
    Wilson interval and ``left_out``), ``left_out`` (episodes not counted, by reason) and
    ``instruments``: one entry per outcome instrument present (those with a cut-off or a
    reliable-change criterion), with the same counts and rates plus Cohen's d with the
    intake SD and the paired d.
    """
    frame = as_scores(scores)
    result: dict[str, Any] = {"definition": "NHS Talking Therapies paired PHQ-9 + GAD-7"}
    result.update(summarise_outcomes(talking_therapies_outcomes(frame)))
    present = instruments or sorted(set(frame["instrument"].to_list()))
    per_instrument = []
    for inst_id in present:
        inst = load_instrument(inst_id)
        if inst.clinical_cutoff is None and inst.reliable_change is None:
            continue  # alliance and process measures have no outcome definition
        per = instrument_outcomes(frame, inst)
        entry: dict[str, Any] = {"instrument": inst.id, "name": inst.short_name}
        entry.update(summarise_outcomes(per, caseness=inst.clinical_cutoff is not None))
        entry["effect_sizes"] = _effect_sizes(per, inst.higher_is_better)
        entry["thresholds"] = {
            "cutoff": inst.cutoff,
            "clinical_if": inst.clinical_cutoff.clinical_if if inst.clinical_cutoff else None,
            "reliable_change": inst.reliable_change_threshold(),
            "source": " ".join(
                s.source for s in (inst.clinical_cutoff, inst.reliable_change) if s is not None
            ),
        }
        per_instrument.append(entry)
    result["instruments"] = per_instrument
    return result


def group_labels(frame: pl.DataFrame) -> dict[str, list[str]]:
    """Map each group label (``all``, ``practitioner:NAME``, ``service:NAME``) to episodes."""
    groups = {"all": frame["episode"].unique(maintain_order=True).to_list()}
    for col in ("practitioner", "service"):
        if col not in frame.columns:
            continue
        pairs = (
            frame.filter(pl.col(col).is_not_null() & (pl.col(col) != ""))
            .select("episode", col)
            .unique(maintain_order=True)
        )
        for name in sorted(set(pairs[col].to_list())):
            groups[f"{col}:{name}"] = pairs.filter(pl.col(col) == name)["episode"].to_list()
    return groups


def summarise_groups(scores: Scores) -> list[dict[str, Any]]:
    """:func:`summarise` for all episodes, each practitioner and each service."""
    frame = as_scores(scores)
    out = []
    for label, episodes in group_labels(frame).items():
        entry: dict[str, Any] = {"group": label}
        entry.update(summarise(frame.filter(pl.col("episode").is_in(episodes))))
        out.append(entry)
    return out
