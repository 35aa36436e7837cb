"""Practice norms the rules compare a client with: pooled within-client SD, early percentile."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from alliance.monitoring.scales import ScaleParams
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.tidy import TOTAL


@dataclass(frozen=True)
class PracticeNorms:
    """Per-instrument practice figures, computed by :func:`practice_norms` (JSON-serialisable).

    pooled_sd : pooled within-client SD of client-rated alliance totals,
        sqrt(sum((n_i - 1) * s_i^2) / sum(n_i - 1)) over episodes with >= 2 sessions
        (Gumz et al. 2012 combine it with the client's own SD and keep the stricter).
    early_percentile : the practice's ``settings.early_percentile`` quantile of alliance
        totals at the early sessions (design.md: sessions 3-5).
    n_episodes : episodes behind each instrument's figures; a figure is only present when
        this reaches ``settings.min_norm_episodes``.
    """

    pooled_sd: dict[str, float] = field(default_factory=dict)
    early_percentile: dict[str, float] = field(default_factory=dict)
    n_episodes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the norms as a JSON string."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any]) -> PracticeNorms:
        """Rebuild norms from :meth:`to_json` output (a string or the parsed dict)."""
        data = json.loads(text) if isinstance(text, str) else dict(text)
        return cls(
            pooled_sd={k: float(v) for k, v in data.get("pooled_sd", {}).items()},
            early_percentile={k: float(v) for k, v in data.get("early_percentile", {}).items()},
            n_episodes={k: int(v) for k, v in data.get("n_episodes", {}).items()},
        )


def practice_norms(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
) -> PracticeNorms:
    """Compute :class:`PracticeNorms` from a prepared scores table (see ``tidy.prepare_scores``)."""
    alliance = [k for k, p in params.items() if p.kind == "alliance"]
    a = scores.filter(
        pl.col("instrument").is_in(alliance)
        & (pl.col("subscale") == TOTAL)
        & pl.col("rater").is_in(list(settings.rupture_raters))
    )
    if a.height == 0:
        return PracticeNorms()
    per_ep = a.group_by("instrument", "episode").agg(
        pl.len().alias("n"), pl.col("score").var(ddof=1).alias("var")
    )
    pooled = (
        per_ep.filter(pl.col("n") >= 2)
        .group_by("instrument")
        .agg(
            (((pl.col("n") - 1) * pl.col("var")).sum() / (pl.col("n") - 1).sum())
            .sqrt()
            .alias("sd"),
            pl.len().alias("episodes"),
        )
    )
    first, last = settings.early_sessions
    early = (
        a.filter(pl.col("session").is_between(first, last))
        .group_by("instrument")
        .agg(
            pl.col("score").quantile(settings.early_percentile, interpolation="linear").alias("q"),
            pl.col("episode").n_unique().alias("episodes"),
        )
    )
    n_eps = per_ep.group_by("instrument").agg(pl.len().alias("episodes"))
    need = settings.min_norm_episodes
    return PracticeNorms(
        pooled_sd={
            r["instrument"]: float(r["sd"])
            for r in pooled.iter_rows(named=True)
            if r["episodes"] >= need and r["sd"] is not None
        },
        early_percentile={
            r["instrument"]: float(r["q"])
            for r in early.iter_rows(named=True)
            if r["episodes"] >= need
        },
        n_episodes={r["instrument"]: int(r["episodes"]) for r in n_eps.iter_rows(named=True)},
    )
