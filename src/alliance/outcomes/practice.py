"""Practice-level views of outcomes: dropout, quarters, alliance terciles, small cells.

All functions take one row per episode, as :func:`talking_therapies_outcomes` returns it,
joined with the episode's facts (``ended_on``, ``ending_type``, ``attended``,
``alliance_s3``) by the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import polars as pl

from .stats import rate
from .summary import summarise_outcomes

__all__ = [
    "BENCHMARKS",
    "MIN_CELL",
    "Benchmark",
    "dropout",
    "quarter_of",
    "by_quarter",
    "alliance_distribution",
    "by_alliance_tercile",
    "suppress",
]

MIN_CELL = 10  # cells with fewer episodes are not shown (disclosure control)


class Benchmark(dict[str, Any]):
    """A published figure to show beside ours: ``rate``, ``label``, ``source``, ``year``."""


# National standards for NHS Talking Therapies, paired PHQ-9 + GAD-7 definitions; the same
# definitions as alliance.outcomes.talking_therapies_outcomes, so the comparison is like
# with like. They are standards (what services in England must reach), not a mean.
BENCHMARKS: dict[str, Benchmark] = {
    "recovery": Benchmark(
        rate=0.50,
        label="NHS Talking Therapies recovery standard",
        source="NHS England & Department of Health, Achieving Better Access to Mental "
        "Health Services by 2020",
        year=2014,
    ),
    "reliable_improvement": Benchmark(
        rate=0.67,
        label="NHS Talking Therapies reliable improvement standard",
        source="NHS England, 2024/25 priorities and operational planning guidance",
        year=2024,
    ),
    "reliable_recovery": Benchmark(
        rate=0.48,
        label="NHS Talking Therapies reliable recovery standard",
        source="NHS England, 2024/25 priorities and operational planning guidance",
        year=2024,
    ),
}


def dropout(episodes: pl.DataFrame, *, min_sessions: int = 2) -> dict[str, Any]:
    """Share of ended episodes that dropped out, with its Wilson interval.

    An ended episode dropped out when it ended without a planned ending (``ending_type``
    ``unplanned``) or with fewer than ``min_sessions`` attended sessions. Open episodes are
    left out (they have not ended); transferred episodes are left out too (the client
    continued elsewhere).

    Source: Swift, J. K. & Greenberg, R. P. (2012). Premature discontinuation in adult
    psychotherapy: a meta-analysis. J Consult Clin Psychol 80, 547–559 (both definitions
    in use: therapist judgement of an unplanned ending, and a minimum number of sessions).
    """
    if min_sessions < 1:
        raise ValueError("min_sessions must be at least 1")
    ended = episodes.filter(pl.col("ended_on").is_not_null())
    left = {"still open": episodes.height - ended.height}
    transferred = ended.filter(pl.col("ending_type") == "transferred")
    left["transferred"] = transferred.height
    judged = ended.filter(pl.col("ending_type").fill_null("") != "transferred")
    dropped = judged.filter(
        (pl.col("ending_type").fill_null("") == "unplanned") | (pl.col("attended") < min_sessions)
    )
    out = rate(dropped.height, judged.height, left).to_dict()
    out["min_sessions"] = min_sessions
    return out


def quarter_of(day: dt.date) -> str:
    """Return the calendar quarter of ``day`` as ``YYYY-Qn``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def by_quarter(per_episode: pl.DataFrame, *, date_col: str = "ended_on") -> list[dict[str, Any]]:
    """Counts and rates for the episodes ending in each calendar quarter, oldest first.

    Episodes without a date (still open) are not in any quarter.
    """
    dated = per_episode.filter(pl.col(date_col).is_not_null()).with_columns(
        pl.format("{}-Q{}", pl.col(date_col).dt.year(), pl.col(date_col).dt.quarter()).alias(
            "_quarter"
        )
    )
    out = []
    for quarter in sorted(set(dated["_quarter"].to_list())):
        entry = {"quarter": quarter}
        entry.update(summarise_outcomes(dated.filter(pl.col("_quarter") == quarter)))
        out.append(entry)
    return out


def alliance_distribution(
    values: Iterable[float], *, low: float = 0, high: float = 10
) -> dict[str, Any]:
    """Summary and a histogram (one bin per point of the scale) of session-3 alliance."""
    arr = np.asarray([v for v in values if v is not None], float)
    edges = np.arange(low, high + 1, 1.0)
    counts, _ = np.histogram(arr, bins=edges) if arr.size else (np.zeros(len(edges) - 1), None)
    summary: dict[str, Any] = {"n": int(arr.size), "bins": []}
    for i, c in enumerate(counts):
        summary["bins"].append({"from": float(edges[i]), "to": float(edges[i + 1]), "n": int(c)})
    if arr.size:
        q1, med, q3 = np.percentile(arr, [25, 50, 75])
        summary.update(mean=float(arr.mean()), q1=float(q1), median=float(med), q3=float(q3))
    return summary


def by_alliance_tercile(
    per_episode: pl.DataFrame, *, alliance_col: str = "alliance_s3"
) -> dict[str, Any]:
    """Outcome rates for the lowest, middle and highest third of session-3 alliance.

    Terciles are cut at the 1/3 and 2/3 quantiles of the session-3 alliance among the
    counted episodes that have one (linear interpolation, NumPy's default); an episode on a
    cut point goes to the lower third. Counted episodes without a session-3 alliance are
    left out and said so.

    Rationale: the early alliance (sessions 3–5) is the best single predictor of outcome;
    Flückiger, C., Del Re, A. C., Wampold, B. E. & Horvath, A. O. (2018). The alliance in
    adult psychotherapy: a meta-analytic synthesis. Psychotherapy 55, 316–340.
    """
    counted = per_episode.filter(pl.col("counted"))
    with_alliance = counted.filter(pl.col(alliance_col).is_not_null())
    left = {"no alliance score at session 3": counted.height - with_alliance.height}
    left.update(
        {
            r: n
            for r, n in per_episode.filter(~pl.col("counted"))["reason"].value_counts().rows()
            if r
        }
    )
    values = with_alliance[alliance_col].to_numpy()
    if values.size == 0:
        return {"cuts": None, "terciles": [], "left_out": left}
    cut1, cut2 = (float(v) for v in np.quantile(values, [1 / 3, 2 / 3]))
    bands = [
        ("lowest third", pl.col(alliance_col) <= cut1),
        ("middle third", (pl.col(alliance_col) > cut1) & (pl.col(alliance_col) <= cut2)),
        ("highest third", pl.col(alliance_col) > cut2),
    ]
    terciles = []
    for name, condition in bands:
        part = with_alliance.filter(condition)
        entry = {"tercile": name}
        entry.update(summarise_outcomes(part))
        terciles.append(entry)
    return {"cuts": [cut1, cut2], "terciles": terciles, "left_out": dict(sorted(left.items()))}


def suppress(
    figures: dict[str, Any], *, n_key: str = "counted", min_cell: int = MIN_CELL
) -> dict[str, Any]:
    """Blank the rates of a cell with fewer than ``min_cell`` episodes.

    Returns a copy with ``suppressed`` True and no rates or counts except the episode
    count, so a small cell cannot identify a client (NHS Digital's disclosure control for
    published Talking Therapies figures suppresses small numbers in the same way).
    """
    n = figures.get(n_key, 0) or 0
    if n >= min_cell:
        return {**figures, "suppressed": False}
    return {
        "suppressed": True,
        "min_cell": min_cell,
        **{k: figures[k] for k in ("group", "quarter", "tercile", "label") if k in figures},
    }
