"""Trajectories: alliance (total, goal, task, bond) and outcome scores per session and phase."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from alliance.monitoring.expected import RecoveryModel, corridor, outcome_series
from alliance.monitoring.scales import ScaleParams
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.tidy import TOTAL

_KEYS = ["episode", "instrument", "rater", "subscale"]


def trajectories(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    models: Mapping[str, RecoveryModel] | None = None,
) -> pl.DataFrame:
    """Return one row per episode x instrument x rater x subscale x session with its change.

    Columns: episode, instrument, kind, rater, subscale, session, [phase], score,
    change (since the previous administration), change_from_first, reliable_change
    (the instrument's threshold, totals only), change_category (``improved`` /
    ``deteriorated`` / ``no reliable change`` since the first administration, Jacobson &
    Truax; null for the first), clinical (total in the clinical range), band (label of the
    band holding the total), expected_low / expected_median / expected_high (outcome
    corridor when a fitted model exists). Rupture-question rows are left out.
    """
    skip = [settings.tension_subscale, settings.bother_subscale, settings.resolved_subscale]
    df = scores.filter(~pl.col("subscale").is_in(skip))
    kind = {k: p.kind for k, p in params.items()}
    hib = {k: p.higher_is_better for k, p in params.items()}
    rc = {k: float(p.reliable_change) for k, p in params.items() if p.reliable_change is not None}
    start = pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in _KEYS]).fill_null(True)
    is_total = pl.col("subscale") == TOTAL
    df = df.with_columns(
        pl.col("instrument")
        .replace_strict(kind, default="other", return_dtype=pl.String)
        .alias("kind"),
        pl.when(start)
        .then(None)
        .otherwise(pl.col("score") - pl.col("score").shift(1))
        .alias("change"),
        (pl.col("score") - pl.when(start).then(pl.col("score")).forward_fill()).alias(
            "change_from_first"
        ),
        pl.when(is_total)
        .then(pl.col("instrument").replace_strict(rc, default=None, return_dtype=pl.Float64))
        .alias("reliable_change"),
        pl.col("instrument")
        .replace_strict(hib, default=False, return_dtype=pl.Boolean)
        .alias("_hib"),
        start.alias("_first"),
    )
    better = (
        pl.when(pl.col("_hib"))
        .then(pl.col("change_from_first"))
        .otherwise(-pl.col("change_from_first"))
    )
    df = df.with_columns(
        pl.when(pl.col("_first") | pl.col("reliable_change").is_null())
        .then(None)
        .when(better >= pl.col("reliable_change") - 1e-9)
        .then(pl.lit("improved"))
        .when(-better >= pl.col("reliable_change") - 1e-9)
        .then(pl.lit("deteriorated"))
        .otherwise(pl.lit("no reliable change"))
        .alias("change_category")
    )
    clinical = pl.lit(None, pl.Boolean)
    band = pl.lit(None, pl.String)
    for p in params.values():
        mine = is_total & (pl.col("instrument") == p.instrument)
        if p.clinical_cutoff is not None:
            cmp = {"ge": "__ge__", "gt": "__gt__", "le": "__le__", "lt": "__lt__"}[
                p.clinical_op or "ge"
            ]
            clinical = (
                pl.when(mine)
                .then(getattr(pl.col("score"), cmp)(p.clinical_cutoff))
                .otherwise(clinical)
            )
        for lower, label in p.bands:
            band = pl.when(mine & (pl.col("score") >= lower)).then(pl.lit(label)).otherwise(band)
    df = df.with_columns(clinical.alias("clinical"), band.alias("band")).drop("_hib", "_first")
    cols = ["episode", "instrument", "kind", "rater", "subscale", "session"]
    if "phase" in df.columns:
        cols.append("phase")
    cols += [
        "score",
        "change",
        "change_from_first",
        "reliable_change",
        "change_category",
        "clinical",
        "band",
    ]
    df = df.select(cols)
    if models:
        o = corridor(outcome_series(scores, params, list(models)), models, settings).select(
            "episode", "instrument", "session", "expected_low", "expected_median", "expected_high"
        )
        df = df.join(
            o.with_columns(pl.lit(TOTAL).alias("subscale"), pl.lit("client").alias("rater")),
            on=["episode", "instrument", "rater", "subscale", "session"],
            how="left",
            maintain_order="left",
        )
    else:
        df = df.with_columns(
            pl.lit(None, pl.Float64).alias(c)
            for c in ("expected_low", "expected_median", "expected_high")
        )
    return df


def phase_summary(trajectory: pl.DataFrame) -> pl.DataFrame:
    """Return per episode x instrument x rater x subscale x phase: sessions, first, last, mean.

    Needs the ``phase`` column (the scores table's optional ``phase``).
    """
    if "phase" not in trajectory.columns:
        raise ValueError("phase_summary needs a phase column in the scores table")
    return (
        trajectory.group_by([*_KEYS, "phase"], maintain_order=True)
        .agg(
            pl.col("session").min().alias("first_session"),
            pl.col("session").max().alias("last_session"),
            pl.len().alias("administrations"),
            pl.col("score").first().alias("first_score"),
            pl.col("score").last().alias("last_score"),
            pl.col("score").mean().alias("mean_score"),
        )
        .sort([*_KEYS, "first_session"])
    )
