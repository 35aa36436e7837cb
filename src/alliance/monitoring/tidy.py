"""Input tables: check and normalise the tidy tables every rule reads.

Scores (one row per episode x session x instrument [x rater x subscale]):

=========== ======== =====================================================================
column      required meaning
=========== ======== =====================================================================
episode     yes      episode id (any type; kept as text)
session     yes      session number within the episode (1, 2, ...; gaps = missed sessions)
instrument  yes      instrument id (``phq9``, ``alliance-check``, ...)
score       yes      the score (total, subscale or rupture-question answer)
rater       no       ``client`` or ``practitioner``; default from the instrument's params
subscale    no       null or ``total`` for the total; ``goal``/``task``/``bond``; the
                     rupture questions ``tension`` (1 yes / 0 no), ``bother`` and
                     ``resolved`` (1-5) of the Alliance Check; ``item9`` etc. for
                     critical items
date        no       session date
phase       no       episode phase at that session (engagement, assessment, working, ending)
ended       no       true on any row of an episode that has ended (planned or not)
critical    no       true when the scoring engine flagged a critical answer
=========== ======== =====================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from alliance.instruments import load_instrument
from alliance.monitoring.scales import ScaleParams

REQUIRED = ("episode", "session", "instrument", "score")
TOTAL = "total"
SERIES_KEYS = ["episode", "instrument", "rater", "subscale"]
_MAX_SESSION = 65535


def as_float(value: object) -> float:
    """Return a polars aggregate (typed as any Python value) as a float; refuse non-numbers."""
    if not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _combined_hash(seed: int) -> pl.Expr:
    return (
        pl.col("episode").hash(seed)
        ^ (pl.col("instrument").hash(seed + 1) * 3)
        ^ (pl.col("rater").hash(seed + 2) * 5)
        ^ (pl.col("subscale").hash(seed + 3) * 7)
    )


def _group_series(df: pl.DataFrame) -> pl.DataFrame:
    """Sort so each series (episode x instrument x rater x subscale) is contiguous, by session.

    Sorting on one integer key (a 48-bit hash of the series and the session number) is
    several times faster than sorting on the text columns. Series order is arbitrary (no rule
    depends on it). A hash collision would interleave two series; a second, independent
    hash detects that and the text sort is used instead.
    """
    key = (_combined_hash(0) & 0xFFFF_FFFF_FFFF_0000) | pl.col("session").cast(pl.UInt64)
    out = df.with_columns(key.alias("_k")).sort("_k", maintain_order=True)
    top = pl.col("_k") & pl.lit(0xFFFF_FFFF_FFFF_0000, pl.UInt64)
    series1 = top != top.shift(1)
    h2 = _combined_hash(11)
    series2 = h2 != h2.shift(1)
    if out.select((series2 & ~series1).fill_null(False).any()).item():  # pragma: no cover - ~2^-40
        out = out.sort([*SERIES_KEYS, "session"], maintain_order=True)
    return out


def as_polars(table: Any, name: str = "table") -> pl.DataFrame:
    """Return ``table`` as a polars DataFrame (accepts polars, pandas, dict of columns)."""
    if isinstance(table, pl.DataFrame):
        return table
    if isinstance(table, pl.LazyFrame):
        return table.collect()
    try:
        import pandas as pd

        if isinstance(table, pd.DataFrame):
            return pl.from_pandas(table)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(table, Mapping | list):
        return pl.DataFrame(table)
    raise TypeError(f"{name} must be a polars or pandas DataFrame, not {type(table).__name__}")


def _need(df: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{name} is missing column(s) {', '.join(missing)}; it has {', '.join(df.columns) or 'none'}"
        )


def prepare_scores(scores: Any, params: Mapping[str, ScaleParams] | None = None) -> pl.DataFrame:
    """Return the scores table with canonical columns and types, sorted, duplicates dropped.

    Output columns: episode (str), session (i64), instrument (str), rater (str),
    subscale (str, ``"total"`` for the total), score (f64), ended (bool), critical (bool),
    plus ``date`` and ``phase`` when given. Rows with a null score are dropped. When the
    same episode x instrument x rater x subscale x session appears twice the last row wins
    (a client who answered twice). Rows of one series (episode x instrument x rater x
    subscale) are contiguous and in session order; the order of the series is arbitrary.
    """
    df = as_polars(scores, "scores")
    _need(df, REQUIRED, "scores")
    rater_default = pl.lit("client")
    if params:
        practitioner = [k for k, p in params.items() if p.rater == "practitioner"]
        if practitioner:
            rater_default = (
                pl.when(pl.col("instrument").is_in(practitioner))
                .then(pl.lit("practitioner"))
                .otherwise(pl.lit("client"))
            )
    exprs = [
        pl.col("episode").cast(pl.String),
        pl.col("session").cast(pl.Int64, strict=True),
        pl.col("instrument").cast(pl.String),
        pl.col("score").cast(pl.Float64, strict=True),
    ]
    if "rater" in df.columns:
        rater = pl.col("rater").cast(pl.String)
        values = df["rater"].cast(pl.String).drop_nulls().unique().to_list()
        if any(v != v.lower() for v in values):  # lower-case only when needed (1M strings)
            rater = rater.str.to_lowercase()
        exprs.append(rater.fill_null(rater_default))
    else:
        exprs.append(rater_default.alias("rater"))
    if "subscale" in df.columns:
        sub = pl.col("subscale").cast(pl.String)
        exprs.append(
            pl.when(sub.is_null() | (sub == ""))
            .then(pl.lit(TOTAL))
            .otherwise(sub)
            .alias("subscale")
        )
    else:
        exprs.append(pl.lit(TOTAL).alias("subscale"))
    for flag in ("ended", "critical"):
        if flag in df.columns and df.schema[flag] == pl.Boolean:
            exprs.append(pl.col(flag).fill_null(False))
        elif flag in df.columns:
            exprs.append(_as_bool(pl.col(flag)).fill_null(False).alias(flag))
        else:
            exprs.append(pl.lit(False).alias(flag))
    keep = ["episode", "session", "instrument", "rater", "subscale", "score", "ended", "critical"]
    if "date" in df.columns:
        exprs.append(pl.col("date"))
        keep.append("date")
    if "phase" in df.columns:
        exprs.append(pl.col("phase").cast(pl.String))
        keep.append("phase")
    out = df.select(exprs).select(keep).filter(pl.col("score").is_not_null())
    if out["session"].null_count():
        raise ValueError("scores has rows without a session number")
    if out.select((pl.col("session") < 0) | (pl.col("session") > _MAX_SESSION)).to_series().any():
        raise ValueError(f"session numbers must lie between 0 and {_MAX_SESSION}")
    out = _group_series(out)
    # The same administration twice: keep the last row (adjacent after a stable sort). The
    # cheap key test runs first; the text columns are compared only when it hits.
    same_key = pl.col("_k") == pl.col("_k").shift(-1)
    if out.select(same_key.any()).item():
        dup = pl.all_horizontal(
            [pl.col(c) == pl.col(c).shift(-1) for c in SERIES_KEYS + ["session"]]
        )
        out = out.filter(~dup.fill_null(False))
    out = out.drop("_k")
    return out


def _as_bool(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.to_lowercase().str.strip_chars()
    return (
        pl.when(text.is_in(["true", "1", "yes", "y", "t", "1.0"]))
        .then(True)
        .when(text.is_in(["false", "0", "no", "n", "f", "0.0", ""]))
        .then(False)
        .otherwise(None)
    )


def prepare_checks(checks: Any | None) -> pl.DataFrame | None:
    """Return the checks table (episode, session, sent, answered) typed and sorted, or None.

    One row per episode x session at which a post-session check was due; ``sent`` defaults
    to true, ``answered`` is required.
    """
    if checks is None:
        return None
    df = as_polars(checks, "checks")
    _need(df, ("episode", "session", "answered"), "checks")
    sent = _as_bool(pl.col("sent")).fill_null(True) if "sent" in df.columns else pl.lit(True)
    return (
        df.select(
            pl.col("episode").cast(pl.String),
            pl.col("session").cast(pl.Int64),
            sent.alias("sent"),
            _as_bool(pl.col("answered")).fill_null(False).alias("answered"),
        )
        .sort("episode", "session", maintain_order=True)
        .unique(["episode", "session"], keep="last", maintain_order=True)
    )


def prepare_transcript_ruptures(moments: Any | None) -> pl.DataFrame | None:
    """Return confirmed transcript rupture moments (episode, session, marker, resolved, moment).

    ``marker`` (withdrawal/confrontation), ``resolved`` (bool: repaired within the session)
    and ``moment`` (a timestamp or id) are optional.
    """
    if moments is None:
        return None
    df = as_polars(moments, "transcript ruptures")
    _need(df, ("episode", "session"), "transcript ruptures")
    return df.select(
        pl.col("episode").cast(pl.String),
        pl.col("session").cast(pl.Int64),
        (
            pl.col("marker").cast(pl.String) if "marker" in df.columns else pl.lit(None, pl.String)
        ).alias("marker"),
        (
            _as_bool(pl.col("resolved")).fill_null(False)
            if "resolved" in df.columns
            else pl.lit(False)
        ).alias("resolved"),
        (
            pl.col("moment").cast(pl.String) if "moment" in df.columns else pl.lit(None, pl.String)
        ).alias("moment"),
    ).sort("episode", "session", maintain_order=True)


def instrument_frame(params: Mapping[str, ScaleParams]) -> pl.DataFrame:
    """Return one row per instrument with its parameters, for joining onto score rows."""
    rows = [
        {
            "instrument": p.instrument,
            "kind": p.kind,
            "higher_is_better": p.higher_is_better,
            "sign": p.sign,
            "minimum": p.minimum,
            "maximum": p.maximum,
            "scale_range": p.range,
            "reliable_change": p.reliable_change,
            "clinical_cutoff": p.clinical_cutoff,
            "low_cutoff": p.low_cutoff,
            "counterpart": p.counterpart or p.instrument,
        }
        for p in params.values()
    ]
    schema = {
        "instrument": pl.String,
        "kind": pl.String,
        "higher_is_better": pl.Boolean,
        "sign": pl.Float64,
        "minimum": pl.Float64,
        "maximum": pl.Float64,
        "scale_range": pl.Float64,
        "reliable_change": pl.Float64,
        "clinical_cutoff": pl.Float64,
        "low_cutoff": pl.Float64,
        "counterpart": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def episode_frame(df: pl.DataFrame, checks: pl.DataFrame | None = None) -> pl.DataFrame:
    """Return one row per episode: last session seen anywhere and whether it has ended."""
    ep = df.group_by("episode").agg(
        pl.col("session").max().alias("last_session"), pl.col("ended").any().alias("ended")
    )
    if checks is not None and checks.height:
        ck = checks.group_by("episode").agg(pl.col("session").max().alias("last_check"))
        ep = (
            ep.join(ck, on="episode", how="full", coalesce=True)
            .with_columns(
                pl.max_horizontal("last_session", "last_check").alias("last_session"),
                pl.col("ended").fill_null(False),
            )
            .drop("last_check")
        )
    return ep


RUPTURE_DOMAINS = {
    "rupture": "tension",
    "rupture_intensity": "bother",
    "rupture_resolution": "resolved",
}


def from_scoring(
    scored: Any,
    administrations: Any,
    items: Any | None = None,
) -> pl.DataFrame:
    """Return the tidy scores table from ``alliance.scoring.score_batch`` output.

    Parameters
    ----------
    scored : ``score_batch`` output (administration, instrument, total, subscale_<id>...,
        critical).
    administrations : one row per administration: ``administration``, ``episode``,
        ``session`` and optionally ``rater``, ``date``, ``phase``, ``ended``.
    items : the item-level table given to ``score_batch`` (administration, instrument,
        item, value). When present, the Alliance Check's unscored rupture questions become
        the ``tension`` / ``bother`` / ``resolved`` rows, found through the items' domains
        in the instrument library (rupture, rupture_intensity, rupture_resolution).

    Returns
    -------
    A tidy table for :func:`alliance.monitoring.monitor`: the total (with ``critical``
    true when a critical item fired), one row per subscale, and the rupture answers.
    """
    s = as_polars(scored, "scored")
    a = as_polars(administrations, "administrations")
    _need(s, ("administration", "instrument", "total"), "scored")
    _need(a, ("administration", "episode", "session"), "administrations")
    extra = [c for c in ("rater", "date", "phase", "ended") if c in a.columns]
    meta = a.select("administration", "episode", "session", *extra)
    crit = (
        pl.col("critical").list.len().fill_null(0) > 0 if "critical" in s.columns else pl.lit(False)
    )
    total = s.select(
        "administration",
        "instrument",
        pl.lit(TOTAL).alias("subscale"),
        pl.col("total").alias("score"),
        crit.alias("critical"),
    )
    subs = [c for c in s.columns if c.startswith("subscale_")]
    parts = [total]
    if subs:
        parts.append(
            s.select("administration", "instrument", *subs)
            .unpivot(
                index=["administration", "instrument"], variable_name="subscale", value_name="score"
            )
            .with_columns(
                pl.col("subscale").str.strip_prefix("subscale_"), pl.lit(False).alias("critical")
            )
            .drop_nulls("score")
        )
    if items is not None:
        parts.append(_rupture_rows(as_polars(items, "items")))
    out = pl.concat(parts, how="vertical_relaxed").join(meta, on="administration", how="inner")
    return out.drop("administration")


def _rupture_rows(items: pl.DataFrame) -> pl.DataFrame:
    """Return tension / bother / resolved rows from an item table, by item domain."""
    rows = []
    for instrument in items["instrument"].unique().to_list():
        try:
            inst = load_instrument(instrument)
        except Exception:  # noqa: BLE001, S112 - unknown instruments carry no rupture items
            continue
        for item in inst.items:
            name = RUPTURE_DOMAINS.get(item.domain or "")
            if name:
                rows.append({"instrument": instrument, "item": str(item.id), "subscale": name})
    if not rows:
        return pl.DataFrame(
            schema={
                "administration": items.schema["administration"],
                "instrument": pl.String,
                "subscale": pl.String,
                "score": pl.Float64,
                "critical": pl.Boolean,
            }
        )
    which = pl.DataFrame(rows)
    return (
        items.with_columns(pl.col("item").cast(pl.String))
        .join(which, on=["instrument", "item"], how="inner")
        .select(
            "administration",
            "instrument",
            "subscale",
            pl.col("value").cast(pl.Float64).alias("score"),
            pl.lit(False).alias("critical"),
        )
        .drop_nulls("score")
    )
