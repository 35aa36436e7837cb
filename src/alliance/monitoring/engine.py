"""Run every rule: the same functions for a whole practice (batch) and one client (incremental)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from alliance.monitoring.expected import RecoveryModel, not_on_track
from alliance.monitoring.norms import PracticeNorms, practice_norms
from alliance.monitoring.rules import (
    critical_answers,
    disagreement,
    early_alliance,
    low_alliance,
    missing_checks,
    rupture_signals,
)
from alliance.monitoring.ruptures import detect_ruptures, rupture_counts
from alliance.monitoring.scales import ScaleParams, scale_params
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.signals import SIGNAL_SCHEMA, SIGNAL_TYPES, empty_signals
from alliance.monitoring.tidy import (
    as_polars,
    episode_frame,
    prepare_checks,
    prepare_scores,
    prepare_transcript_ruptures,
)
from alliance.monitoring.trajectories import trajectories as build_trajectories


@dataclass(frozen=True)
class MonitorResult:
    """What :func:`monitor` returns: signals, ruptures, counts, and optionally trajectories."""

    signals: pl.DataFrame
    ruptures: pl.DataFrame
    rupture_counts: pl.DataFrame | None
    norms: PracticeNorms
    trajectories: pl.DataFrame | None = None


def resolve_params(
    instruments: list[str], params: Mapping[str, ScaleParams] | None, settings: MonitoringSettings
) -> dict[str, ScaleParams]:
    """Return parameters for ``instruments`` (library first), with the practice's low cut-offs."""
    out = scale_params(sorted(set(instruments)), overrides=params)
    for instrument, cut in settings.low_cutoffs:
        if instrument in out:
            out[instrument] = dataclasses.replace(out[instrument], low_cutoff=float(cut))
    return out


def monitor(
    scores: Any,
    *,
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    params: Mapping[str, ScaleParams] | None = None,
    norms: PracticeNorms | None = None,
    checks: Any | None = None,
    transcript_ruptures: Any | None = None,
    recovery_models: Mapping[str, RecoveryModel] | None = None,
    with_trajectories: bool = False,
    with_counts: bool = True,
) -> MonitorResult:
    """Run every monitoring rule over a tidy scores table and return the signals.

    Parameters
    ----------
    scores : tidy scores (polars or pandas), columns described in ``alliance.monitoring.tidy``.
    settings : the practice's :class:`MonitoringSettings`.
    params : per-instrument overrides; the rest come from the instrument library.
    norms : practice norms (pooled SD, early percentile). Computed from ``scores`` when None
        (batch); pass the practice's stored norms when monitoring one client.
    checks : checks sent/answered per session (episode, session, [sent], answered).
    transcript_ruptures : confirmed transcript rupture moments (episode, session, [marker],
        [resolved], [moment]).
    recovery_models : fitted expected-recovery corridors per outcome instrument; outcome
        instruments without one use the rational rule.
    with_trajectories : also return the trajectory table.
    with_counts : also return rupture-repair counts per episode and rule.
    """
    raw = as_polars(scores, "scores")
    instruments = (
        raw["instrument"].cast(pl.String).unique().to_list() if "instrument" in raw.columns else []
    )
    p = resolve_params(instruments, params, settings)
    df = prepare_scores(raw, p)
    ck = prepare_checks(checks)
    tr = prepare_transcript_ruptures(transcript_ruptures)
    if norms is None:
        norms = practice_norms(df, p, settings)
    episodes = episode_frame(df, ck)
    ruptures = detect_ruptures(
        df, p, settings, norms=norms, transcript_ruptures=tr, episodes=episodes
    )
    parts = [
        critical_answers(df, p),
        rupture_signals(ruptures, settings),
        not_on_track(df, p, settings, recovery_models),
        low_alliance(df, p, settings),
        early_alliance(df, p, settings, norms),
        disagreement(df, p, settings),
        missing_checks(ck, settings),
    ]
    signals = pl.concat([x for x in parts if x.height] or [empty_signals()], how="vertical_relaxed")
    order = {t: i for i, t in enumerate(SIGNAL_TYPES)}
    signals = (
        signals.with_columns(
            pl.col("type").replace_strict(order, return_dtype=pl.Int32).alias("_t")
        )
        .sort("episode", "_t", "session", "key")
        .drop("_t")
        .select(list(SIGNAL_SCHEMA))
    )
    traj = build_trajectories(df, p, settings, recovery_models) if with_trajectories else None
    return MonitorResult(
        signals=signals,
        ruptures=ruptures,
        rupture_counts=rupture_counts(ruptures, episodes) if with_counts else None,
        norms=norms,
        trajectories=traj,
    )


def monitor_episode(
    history: Any,
    new_rows: Any | None = None,
    *,
    norms: PracticeNorms,
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    params: Mapping[str, ScaleParams] | None = None,
    checks: Any | None = None,
    transcript_ruptures: Any | None = None,
    recovery_models: Mapping[str, RecoveryModel] | None = None,
) -> pl.DataFrame:
    """Return one client's signals after a new response (incremental path).

    ``history`` holds the episode's earlier rows, ``new_rows`` the new response's rows;
    the practice's stored ``norms`` and ``recovery_models`` make the result identical to
    that episode's rows of a batch :func:`monitor` run with the same norms and models.
    """
    table = as_polars(history, "history")
    if new_rows is not None:
        new = as_polars(new_rows, "new_rows")
        table = pl.concat([table, new], how="diagonal_relaxed")
    return monitor(
        table,
        settings=settings,
        params=params,
        norms=norms,
        checks=checks,
        transcript_ruptures=transcript_ruptures,
        recovery_models=recovery_models,
        with_counts=False,
    ).signals
