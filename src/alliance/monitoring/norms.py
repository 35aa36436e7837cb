"""Practice norms the rules compare a client with: pooled within-client SD, early percentile."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike

from alliance.monitoring.scales import ScaleParams
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.tidy import TOTAL

NOISE_FROM_MEDIAN_DIFF = 0.6744897501960817 * math.sqrt(2.0)
TRIM_Z = 2.5
NEAR_CEILING = 0.1
"""Clients whose mean is within this fraction of the range below the maximum (9 on 0-10)
are left out of the noise estimate: near the ceiling their noise is squeezed."""
# E[Z^2 | |Z| <= 2.5] for a standard normal Z: the variance kept by the trimming.
TRIM_VARIANCE = 1.0 - 2 * TRIM_Z * math.exp(-(TRIM_Z**2) / 2) / math.sqrt(2 * math.pi) / math.erf(
    TRIM_Z / math.sqrt(2)
)


def trimmed_noise_sd(abs_diffs: ArrayLike, iterations: int = 5) -> float | None:
    """Return the within-client noise SD from absolute successive differences.

    Start from s = median(|d|) / (0.6745 * sqrt(2)); then repeatedly keep the differences
    with |d| <= 2.5 * sqrt(2) * s and set s = sqrt(mean(d^2) / 2 / c), c = E[Z^2 | |Z| <= 2.5]
    the share of a normal variance that trimming keeps. Iterating lets the cut settle where
    it belongs on coarse scales (whole points, quarter points), where the median alone is off.
    """
    d = np.asarray(abs_diffs, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 2:
        return None
    s = float(np.median(d)) / NOISE_FROM_MEDIAN_DIFF
    if s <= 0:
        s = float(np.sqrt(np.mean(d**2) / 2.0))
    for _ in range(iterations):
        kept = d[d <= TRIM_Z * math.sqrt(2.0) * s]
        if len(kept) == 0:
            return None
        s = float(np.sqrt(np.mean(kept**2) / 2.0 / TRIM_VARIANCE))
    return s if s > 0 else None


@dataclass(frozen=True)
class PracticeNorms:
    """Per-instrument practice figures, computed by :func:`practice_norms` (JSON-serialisable).

    pooled_sd : pooled within-client SD of client-rated alliance totals,
        sqrt(sum((n_i - 1) * s_i^2) / sum(n_i - 1)) over episodes with >= 2 sessions
        (Gumz et al. 2012 combine it with the client's own SD and keep the stricter).
    early_percentile : the practice's ``settings.early_percentile`` quantile of alliance
        totals at the early sessions (design.md: sessions 3-5).
    noise_sd : the practice's within-client noise SD of client-rated alliance totals, from
        successive differences d = A_t - A_{t-1} pooled over every episode: a trimmed
        mean square successive difference (:func:`trimmed_noise_sd`). Pairs with a score at the instrument's maximum are left out: at the
        ceiling the noise is censored, and counting those zeros would understate the noise
        of every client below it. Differences are insensitive to each client's level and to slow growth
        (von Neumann's MSSD), and the trimming keeps real ruptures from inflating it. The
        rupture alerts use it in place of the instrument's default.
    n_episodes : episodes behind each instrument's figures; a figure is only present when
        this reaches ``settings.min_norm_episodes``.
    """

    pooled_sd: dict[str, float] = field(default_factory=dict)
    early_percentile: dict[str, float] = field(default_factory=dict)
    n_episodes: dict[str, int] = field(default_factory=dict)
    noise_sd: dict[str, float] = field(default_factory=dict)

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
            noise_sd={k: float(v) for k, v in data.get("noise_sd", {}).items()},
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
        pl.len().alias("n"),
        pl.col("score").var(ddof=1).alias("var"),
        pl.col("score").mean().alias("mean"),
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
    diffs = _noise_estimates(a, per_ep, params)
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
        noise_sd={
            r["instrument"]: float(r["noise"])
            for r in diffs.iter_rows(named=True)
            if r["episodes"] >= need and r["noise"] is not None and r["noise"] > 0
        },
    )


def _noise_estimates(
    a: pl.DataFrame, per_ep: pl.DataFrame, params: Mapping[str, ScaleParams]
) -> pl.DataFrame:
    """Return instrument, episodes and noise (:func:`trimmed_noise_sd`) per instrument.

    ``a`` holds one alliance series per (episode, instrument), each contiguous and in
    session order (as ``tidy.prepare_scores`` leaves them), so successive differences need
    no sort and no window. Pairs with a score at the instrument's maximum are left out, and
    so are clients whose mean sits near the ceiling (a selection on the client's mean, not
    on a pair's scores, which would bias the estimate): their noise is squeezed.
    """
    top = {k: float(p.maximum) for k, p in params.items() if p.maximum is not None}
    near = {
        k: float(p.maximum) - NEAR_CEILING * float(p.range)
        for k, p in params.items()
        if p.maximum is not None and p.range is not None
    }
    squeezed = per_ep.filter(
        pl.col("mean")
        >= pl.col("instrument").replace_strict(near, default=None, return_dtype=pl.Float64)
    ).select("instrument", "episode")
    limit = pl.col("instrument").replace_strict(top, default=None, return_dtype=pl.Float64)
    at_top = (pl.col("score") >= limit - 1e-9).fill_null(False)
    start = pl.any_horizontal(
        [pl.col(k) != pl.col(k).shift(1) for k in ("episode", "instrument")]
    ).fill_null(True)
    d = (
        a.select("instrument", "episode", "score")
        .with_columns(
            pl.when(start)
            .then(None)
            .otherwise((pl.col("score") - pl.col("score").shift(1)).abs())
            .alias("d"),
            (at_top | at_top.shift(1).fill_null(False)).alias("top"),
        )
        .filter(pl.col("d").is_not_null() & ~pl.col("top"))
    )
    if squeezed.height:
        d = d.join(squeezed, on=["instrument", "episode"], how="anti")
    return (
        d.group_by("instrument")
        .agg(pl.col("d"), pl.col("episode").n_unique().alias("episodes"))
        .with_columns(
            pl.col("d")
            .map_elements(lambda x: trimmed_noise_sd(x.to_numpy()), return_dtype=pl.Float64)
            .alias("noise")
        )
    )
