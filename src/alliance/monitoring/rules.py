"""Signal rules other than not-on-track: ruptures as signals, critical answers, weak and
early alliance, rater disagreement, missing checks. Each returns rows of the signal table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import numpy as np
import polars as pl

from alliance.monitoring.norms import PracticeNorms
from alliance.monitoring.ruptures import EPS, alert_rules, label_rules
from alliance.monitoring.scales import ScaleParams
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.signals import empty_signals, make_signals, session_part, signal_key
from alliance.monitoring.tidy import TOTAL


def _series_start(keys: list[str]) -> pl.Expr:
    return pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in keys]).fill_null(True)


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def flag_runs(df: Frame, keys: list[str], flag: str) -> Frame:
    """Add ``run`` (id of each run of consecutive true ``flag`` rows) and ``run_is_last``.

    ``df`` must be sorted by ``keys`` then session.
    """
    start = _series_start(keys)
    prev_flag = pl.when(start).then(False).otherwise(pl.col(flag).shift(1)).fill_null(False)
    onset = pl.col(flag) & ~prev_flag
    last_in_series = pl.any_horizontal([pl.col(k) != pl.col(k).shift(-1) for k in keys]).fill_null(
        True
    )
    return df.with_columns(onset.cum_sum().alias("run"), last_in_series.alias("is_last"))


# --------------------------------------------------------------------------- ruptures


def _score_moments(score: pl.DataFrame) -> pl.DataFrame:
    """Add ``moment``: the begin session of the event each score-rule rupture belongs to.

    One event is one alert: a score rupture that begins before the previous one of the same
    episode (any alert rule) has ended belongs to it. A repaired rupture ends at its repair;
    an unrepaired one lasts until the alliance is back at its earlier level, however late
    (``back_session``), so a client who stays low is not alerted again each session, and
    the sessions of a recovery are not a new rupture.
    """
    if score.height == 0:
        return score.with_columns(pl.col("begin_session").alias("event_session"))
    score = score.sort("episode", "begin_session", "rule")
    ep = score["episode"].to_numpy()
    begin = score["begin_session"].to_numpy()
    repaired = (score["state"] == "repaired").to_numpy()
    repair = score["repair_session"].fill_null(-1).to_numpy()
    back = score["back_session"].fill_null(np.iinfo(np.int64).max).to_numpy()
    end = np.where(repaired, repair, back)
    moment = np.empty(len(begin), dtype=np.int64)
    cur_ep, cur_end, cur_begin = None, -1, -1
    for i in range(len(begin)):
        if ep[i] != cur_ep or begin[i] > cur_end:
            cur_ep, cur_end, cur_begin = ep[i], end[i], begin[i]
        else:
            cur_end = max(cur_end, end[i])
        moment[i] = cur_begin
    return score.with_columns(pl.Series("event_session", moment, dtype=pl.Int64))


def rupture_signals(
    ruptures: pl.DataFrame, settings: MonitoringSettings = DEFAULT_SETTINGS
) -> pl.DataFrame:
    """Return one rupture alert per event.

    The calibrated score rules (``dip``, ``gradual_decline``) that agree on one event are
    one alert: a rupture beginning while an earlier one of the episode is not yet repaired
    is evidence on that alert (:func:`_score_moments`). The client's own tension report and
    a confirmed transcript moment join the alert that begins at the same session, and
    otherwise always make an alert of their own: the client's word counts most. The
    literature's labels (``sharp_drop``, ``statistical_1sd``, ``statistical_2sd``) never
    alert alone; those beginning at the alert's session are listed in ``labels``.
    ``method`` lists the alert rules (``dip+self_report``). State: the first score rule's
    state (repaired when the alliance returned to its earlier level within the repair
    window), else open if any event rule is open, else unrepaired if any is, else repaired.
    Evidence: the score rule's numbers (instrument, score, pre-rupture level, drop, noise
    SD and its source, size in noise SDs, threshold), the client's bother rating, the
    transcript marker.
    """
    r = ruptures.filter(pl.col("rule").is_in(list(alert_rules(settings))))
    if r.height == 0:
        return empty_signals()
    labels = (
        ruptures.filter(pl.col("rule").is_in(list(label_rules(settings))))
        .group_by("episode", "begin_session")
        .agg(pl.col("rule").unique().sort().str.join("+").alias("labels"))
        .rename({"begin_session": "event_session"})
    )
    score = _score_moments(r.filter(pl.col("family") == "score"))
    events = r.filter(pl.col("family") != "score").with_columns(
        pl.col("begin_session").alias("event_session")
    )
    r = pl.concat([score, events], how="vertical_relaxed")
    state_rank = pl.col("state").replace_strict(
        {"open": 0, "unrepaired": 1, "repaired": 2}, return_dtype=pl.Int8
    )
    names = sorted(set(r["rule"].unique().to_list()))
    bit = {name: 1 << i for i, name in enumerate(names)}
    combos = {m: "+".join(n for n in names if m & bit[n]) for m in range(1, 1 << len(names))}
    lazy = r.lazy().with_columns(
        state_rank.alias("state_rank"),
        pl.col("rule").replace_strict(bit, return_dtype=pl.Int64).alias("bit"),
        (pl.col("family") == "score").alias("is_score"),
    )
    keys = ["episode", "event_session"]
    first_score = pl.col("is_score") & (pl.col("begin_session") == pl.col("event_session"))
    grouped = (
        lazy.group_by(keys)
        .agg(
            pl.col("bit").unique().sum().alias("mask"),
            pl.col("state_rank")
            .filter(first_score)
            .min()
            .fill_null(pl.col("state_rank").min())
            .alias("state_rank"),
            pl.col("repair_session").filter(first_score).max().alias("repair_s"),
            pl.col("repair_session").max().alias("repair_any"),
            pl.col("censored").any(),
            pl.coalesce(
                pl.col("instrument").filter(pl.col("is_score")).min(), pl.col("instrument").min()
            ).alias("instrument"),
            pl.coalesce(
                pl.col("rater").filter(pl.col("is_score")).min(), pl.col("rater").min()
            ).alias("rater"),
            pl.col("score").filter(first_score).min(),
            pl.coalesce(pl.col("base").filter(first_score).max(), pl.col("base").max()).alias(
                "base"
            ),
            pl.col("drop").filter(pl.col("is_score")).max(),
            pl.col("sd").filter(first_score).max(),
            pl.col("sd_source").filter(first_score).max(),
            pl.col("size").filter(pl.col("is_score")).max().alias("size_sd"),
            pl.col("threshold").filter(first_score).min(),
            pl.col("size").filter(pl.col("family") == "self_report").max().alias("bother"),
            pl.col("marker").max(),
            pl.col("moment").max(),
            pl.col("begin_session").filter(pl.col("is_score")).n_unique().alias("sessions"),
            pl.col("n_dips").sum().alias("n_dips"),
        )
        .with_columns(
            pl.coalesce("repair_s", "repair_any").alias("repair_session"),
            pl.col("mask").replace_strict(combos, return_dtype=pl.String).alias("rules"),
            pl.col("state_rank")
            .replace_strict({0: "open", 1: "unrepaired", 2: "repaired"}, return_dtype=pl.String)
            .alias("state"),
        )
        .join(labels.lazy(), on=keys, how="left")
        .collect()
    )
    key = signal_key("rupture", pl.col("episode"), session_part(pl.col("event_session")))
    return make_signals(
        grouped.lazy(),
        type_="rupture",
        key=key,
        session="event_session",
        state=pl.col("state"),
        method=pl.col("rules"),
        evidence=[
            "rules",
            "labels",
            "rater",
            "score",
            pl.col("base").alias("pre_rupture_level"),
            "drop",
            pl.col("sd").alias("noise_sd"),
            pl.col("sd_source").alias("noise_source"),
            "size_sd",
            "threshold",
            "bother",
            "marker",
            "moment",
            "n_dips",
            "repair_session",
            "censored",
            pl.lit(settings.repair_window).alias("repair_window"),
        ],
    )


# --------------------------------------------------------------------------- critical answers


def critical_answers(scores: pl.DataFrame, params: Mapping[str, ScaleParams]) -> pl.DataFrame:
    """Return a signal per critical answer.

    Fires on rows the scoring engine flagged (``critical`` column) and on item rows
    (subscale ``9`` or ``item9``) meeting an instrument's critical-item rule (PHQ-9 item 9
    >= 1: "any score above 0 on item 9 needs follow-up, whatever the total", reference A1).
    Never snoozable in the inbox; always open.
    """
    conds = [pl.col("critical")]
    item_expr = pl.lit(None, pl.String)
    ops = {"ge": "__ge__", "gt": "__gt__", "le": "__le__", "lt": "__lt__", "eq": "__eq__"}
    for p in params.values():
        for item, op, value in p.critical_items:
            hit = (
                (pl.col("instrument") == p.instrument)
                & pl.col("subscale").is_in([item, f"item{item}", f"item_{item}"])
                & getattr(pl.col("score"), ops.get(op, "__ge__"))(value)
            )
            conds.append(hit)
            item_expr = pl.when(hit).then(pl.lit(f"{item} {op} {value:g}")).otherwise(item_expr)
    found = scores.filter(pl.any_horizontal(conds))
    if found.height == 0:
        return empty_signals()
    hits = found.lazy().with_columns(
        item_expr.fill_null(pl.lit("flagged by scoring")).alias("rule")
    )
    key = signal_key(
        "critical",
        pl.col("episode"),
        session_part(pl.col("session")),
        pl.col("instrument"),
        pl.col("subscale"),
    )
    return make_signals(
        hits,
        type_="critical",
        key=key,
        method="critical_item",
        evidence=["subscale", "score", "rule"],
    ).unique("key", keep="first", maintain_order=True)


# --------------------------------------------------------------------------- weak alliance


def _alliance_totals(
    scores: pl.DataFrame, params: Mapping[str, ScaleParams], settings: MonitoringSettings
) -> pl.DataFrame:
    alliance = [k for k, p in params.items() if p.kind == "alliance"]
    return scores.filter(
        pl.col("instrument").is_in(alliance)
        & (pl.col("subscale") == TOTAL)
        & pl.col("rater").is_in(list(settings.rupture_raters))
    ).select("episode", "instrument", "rater", "session", "score")


def _below(value: pl.Expr, limit: pl.Expr, inclusive: bool) -> pl.Expr:
    return (value <= limit + EPS) if inclusive else (value < limit - EPS)


def low_alliance(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
) -> pl.DataFrame:
    """Return a signal per run of sessions with the alliance below the instrument's low cut-off.

    Rule (rupture-rules.md "low alliance"; OpenFIT red alert): A_t below the low cut-off,
    ``<`` by default, ``<=`` with ``settings.low_alliance_inclusive``. Only instruments with
    a low cut-off (ScaleParams.low_cutoff) take part. Open while the latest session is low.
    """
    cut = {
        k: float(p.low_cutoff)
        for k, p in params.items()
        if p.kind == "alliance" and p.low_cutoff is not None
    }
    if not cut:
        return empty_signals()
    totals = _alliance_totals(scores, params, settings).filter(
        pl.col("instrument").is_in(list(cut))
    )
    if totals.height == 0:
        return empty_signals()
    a = totals.lazy().with_columns(
        pl.col("instrument").replace_strict(cut, return_dtype=pl.Float64).alias("low_cutoff")
    )
    a = a.with_columns(
        _below(pl.col("score"), pl.col("low_cutoff"), settings.low_alliance_inclusive).alias("low")
    )
    a = flag_runs(a, ["episode", "instrument", "rater"], "low")
    runs = (
        a.filter(pl.col("low"))
        .group_by("episode", "instrument", "run", maintain_order=True)
        .agg(
            pl.col("session").first(),
            pl.col("session").last().alias("last_low_session"),
            pl.col("score").min().alias("lowest"),
            pl.col("score").first(),
            pl.col("low_cutoff").first(),
            pl.len().alias("sessions_low"),
            pl.col("is_last").last().alias("current"),
        )
    )
    key = signal_key(
        "low_alliance", pl.col("episode"), pl.col("instrument"), session_part(pl.col("session"))
    )
    return make_signals(
        runs,
        type_="low_alliance",
        key=key,
        method="low_cutoff",
        state=pl.when(pl.col("current")).then(pl.lit("open")).otherwise(pl.lit("resolved")),
        evidence=["score", "lowest", "low_cutoff", "sessions_low", "last_low_session"],
    )


def early_alliance(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    norms: PracticeNorms | None = None,
) -> pl.DataFrame:
    """Return one early-alliance warning per episode and instrument at most.

    Rule (design.md; issue 4): an alliance total at sessions ``early_sessions`` (3-5) below
    the instrument's low cut-off or below the practice's ``early_percentile`` (25th) of
    early alliance scores (when the practice has ``min_norm_episodes`` episodes). The
    signal's session is the first early session below; the state is open while the latest
    early session is below, else resolved. Early alliance predicts drop-out and outcome.
    """
    norms = norms or PracticeNorms()
    first, last = settings.early_sessions
    totals = _alliance_totals(scores, params, settings).filter(
        pl.col("session").is_between(first, last)
    )
    if totals.height == 0:
        return empty_signals()
    low = {k: float(p.low_cutoff) for k, p in params.items() if p.low_cutoff is not None}
    pct = {k: float(v) for k, v in norms.early_percentile.items()}
    a = totals.lazy().with_columns(
        pl.col("instrument")
        .replace_strict(low, default=None, return_dtype=pl.Float64)
        .alias("low_cutoff"),
        pl.col("instrument")
        .replace_strict(pct, default=None, return_dtype=pl.Float64)
        .alias("practice_percentile"),
    )
    by_cut = _below(
        pl.col("score"), pl.col("low_cutoff"), settings.low_alliance_inclusive
    ).fill_null(False)
    by_pct = (pl.col("score") < pl.col("practice_percentile") - EPS).fill_null(False)
    a = a.with_columns(by_cut.alias("by_cutoff"), by_pct.alias("by_percentile"))
    a = a.with_columns((pl.col("by_cutoff") | pl.col("by_percentile")).alias("fired"))
    per = (
        a.group_by("episode", "instrument", maintain_order=True)
        .agg(
            pl.col("session").filter(pl.col("fired")).first().alias("session"),
            pl.col("score").filter(pl.col("fired")).first().alias("score"),
            pl.col("session").filter(pl.col("fired")).alias("sessions_below"),
            pl.col("fired").last().alias("current"),
            pl.col("by_cutoff").any(),
            pl.col("by_percentile").any(),
            pl.col("low_cutoff").first(),
            pl.col("practice_percentile").first(),
        )
        .filter(pl.col("session").is_not_null())
    )
    method = (
        pl.when(pl.col("by_cutoff") & pl.col("by_percentile"))
        .then(pl.lit("low_cutoff+practice_percentile"))
        .when(pl.col("by_cutoff"))
        .then(pl.lit("low_cutoff"))
        .otherwise(pl.lit("practice_percentile"))
    )
    key = signal_key("early_alliance", pl.col("episode"), pl.col("instrument"))
    return make_signals(
        per,
        type_="early_alliance",
        key=key,
        method=method,
        state=pl.when(pl.col("current")).then(pl.lit("open")).otherwise(pl.lit("resolved")),
        evidence=[
            "score",
            "sessions_below",
            "low_cutoff",
            "practice_percentile",
            pl.lit(settings.early_percentile).alias("percentile"),
            pl.lit(f"{first}-{last}").alias("early_sessions"),
        ],
    )


# --------------------------------------------------------------------------- disagreement


def rater_pairs(scores: pl.DataFrame, params: Mapping[str, ScaleParams]) -> pl.DataFrame:
    """Return client and practitioner alliance totals of the same sessions side by side.

    A practitioner form is matched to its client form through ``ScaleParams.counterpart``
    (``alliance-check-practitioner`` -> ``alliance-check``) or through the ``rater`` column
    on the same instrument. Columns: episode, instrument (the client form), session,
    client, practitioner, scale_range.
    """
    # Eager on purpose: as a lazy query the hash join below ran about 3x slower (polars 2.1).
    alliance = [k for k, p in params.items() if p.kind == "alliance"]
    counterpart = {k: (p.counterpart or k) for k, p in params.items() if p.kind == "alliance"}
    a = scores.filter(pl.col("instrument").is_in(alliance) & (pl.col("subscale") == TOTAL))
    c = a.filter(pl.col("rater") == "client").select(
        "episode", "instrument", "session", pl.col("score").alias("client")
    )
    p = a.filter(pl.col("rater") == "practitioner").select(
        "episode",
        pl.col("instrument").replace_strict(counterpart, return_dtype=pl.String),
        "session",
        pl.col("score").alias("practitioner"),
    )
    rng = {k: float(v.range) for k, v in params.items() if v.range}
    # Join on one integer key (hash of episode and form, plus the session), then confirm
    # the text columns: several times faster than a join on the texts, and exact.
    key = (
        (pl.col("episode").hash(5) ^ (pl.col("instrument").hash(6) * 3))
        & pl.lit(0xFFFF_FFFF_FFFF_0000, pl.UInt64)
    ) | pl.col("session").cast(pl.UInt64)
    # The client rows arrive grouped by series in session order; keeping their order spares a
    # sort of the joined table.
    return (
        c.with_columns(key.alias("_k"))
        .join(
            p.with_columns(key.alias("_k")).select(
                "_k",
                "practitioner",
                pl.col("episode").alias("_e"),
                pl.col("instrument").alias("_i"),
            ),
            on="_k",
            how="inner",
            maintain_order="left",
        )
        .filter((pl.col("episode") == pl.col("_e")) & (pl.col("instrument") == pl.col("_i")))
        .drop("_k", "_e", "_i")
        .with_columns(
            pl.col("instrument")
            .replace_strict(rng, default=None, return_dtype=pl.Float64)
            .alias("scale_range")
        )
    )


def disagreement(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
) -> pl.DataFrame:
    """Return a signal per session where client and practitioner see the session differently.

    Fires when |client - practitioner| > ``disagreement_fraction`` x scale range, or when
    since their previous jointly rated session both moved by at least
    ``opposite_min_fraction`` x range in opposite directions. Open for the latest jointly
    rated session, resolved for earlier ones. Clients tend to rate the alliance higher than
    practitioners and to report fewer ruptures (rupture-rules.md, post-session questionnaire).
    """
    j = rater_pairs(scores, params).lazy()
    start = _series_start(["episode", "instrument"])
    dc = pl.when(start).then(None).otherwise(pl.col("client") - pl.col("client").shift(1))
    dp = (
        pl.when(start)
        .then(None)
        .otherwise(pl.col("practitioner") - pl.col("practitioner").shift(1))
    )
    last = pl.any_horizontal(
        [pl.col(k) != pl.col(k).shift(-1) for k in ("episode", "instrument")]
    ).fill_null(True)
    j = j.with_columns(
        dc.alias("client_change"), dp.alias("practitioner_change"), last.alias("is_last")
    )
    gap_limit = pl.col("scale_range") * settings.disagreement_fraction
    move = pl.col("scale_range") * settings.opposite_min_fraction
    gap = (pl.col("client") - pl.col("practitioner")).abs()
    opposite = (
        (pl.col("client_change") * pl.col("practitioner_change") < 0)
        & (pl.col("client_change").abs() >= move - EPS)
        & (pl.col("practitioner_change").abs() >= move - EPS)
    ).fill_null(False)
    by_gap = (gap > gap_limit + EPS).fill_null(False)
    j = j.with_columns(
        gap.alias("gap"),
        gap_limit.alias("gap_limit"),
        by_gap.alias("by_gap"),
        opposite.alias("opposite"),
    )
    hits = j.filter(pl.col("by_gap") | pl.col("opposite"))
    method = (
        pl.when(pl.col("by_gap") & pl.col("opposite"))
        .then(pl.lit("gap+opposite"))
        .when(pl.col("by_gap"))
        .then(pl.lit("gap"))
        .otherwise(pl.lit("opposite"))
    )
    key = signal_key(
        "disagreement", pl.col("episode"), session_part(pl.col("session")), pl.col("instrument")
    )
    return make_signals(
        hits,
        type_="disagreement",
        key=key,
        method=method,
        state=pl.when(pl.col("is_last")).then(pl.lit("open")).otherwise(pl.lit("resolved")),
        evidence=[
            "client",
            "practitioner",
            "gap",
            "gap_limit",
            "client_change",
            "practitioner_change",
        ],
    )


# --------------------------------------------------------------------------- missing checks


def missing_checks(
    checks: pl.DataFrame | None, settings: MonitoringSettings = DEFAULT_SETTINGS
) -> pl.DataFrame:
    """Return a signal per run of ``missing_checks_n`` or more sent checks left unanswered.

    ``checks``: prepared (``tidy.prepare_checks``). Sessions without a sent check neither
    break nor extend a run. Open while the latest sent check is still unanswered.
    """
    if checks is None or checks.height == 0:
        return empty_signals()
    c = checks.lazy().filter(pl.col("sent")).with_columns((~pl.col("answered")).alias("missing"))
    c = flag_runs(c, ["episode"], "missing")
    runs = (
        c.filter(pl.col("missing"))
        .group_by("episode", "run", maintain_order=True)
        .agg(
            pl.col("session").first(),
            pl.col("session").last().alias("last_unanswered_session"),
            pl.len().alias("unanswered_in_a_row"),
            pl.col("is_last").last().alias("current"),
        )
        .filter(pl.col("unanswered_in_a_row") >= settings.missing_checks_n)
    )
    key = signal_key("missing_checks", pl.col("episode"), session_part(pl.col("session")))
    return make_signals(
        runs,
        type_="missing_checks",
        key=key,
        method="consecutive_unanswered",
        instrument=None,
        state=pl.when(pl.col("current")).then(pl.lit("open")).otherwise(pl.lit("resolved")),
        evidence=[
            "unanswered_in_a_row",
            "last_unanswered_session",
            pl.lit(settings.missing_checks_n).alias("threshold"),
        ],
    )
