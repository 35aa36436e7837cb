"""Rupture detection and repair tracking over tidy alliance scores.

Rules (every threshold in :class:`~alliance.monitoring.settings.MonitoringSettings`; see
``shared/reference/rupture-rules.md``). Alert rules are calibrated to a per-client false-
alarm rate (docs/signals.md); research labels follow the literature and never alert alone.

``dip`` (alert)
    A_t <= base_t - alert_z * noise_t * sqrt(1 + 1/n), base_t the mean of the n >=
    ``min_prior_sessions`` earlier sessions and noise_t the within-client noise SD: the
    practice's estimate (``PracticeNorms.noise_sd``) when it has one, otherwise the larger of
    the instrument's SEM-based default (``ScaleParams.noise_sd``) and the client's own SD.
``gradual_decline`` (alert)
    mean(A_{t-m+1..t}) <= base - decline_z * noise_t * sqrt(1/m + 1/n), base the mean of the
    n >= ``min_prior_sessions`` sessions before those m = ``decline_sessions``, with every
    one of the m scores below base (Gumz et al. 2012: multi-session declines).
``sharp_drop`` (label)
    A_t - A_{t-1} <= -RC between consecutive administrations of the same instrument, RC the
    instrument's reliable-change threshold (Jacobson & Truax 1991; the OpenFIT "dropped
    since last session" alert).
``statistical_<k>sd`` (labels)
    A_t <= base_t - k * SD_t (Stiles et al. 2004: k = 2; Strauss et al. 2006: k = 1).
    base_t is the mean of the client's earlier sessions (real time) or A_{t-1}
    (``sd_baseline``); SD_t is the client's own SD of earlier sessions, the practice's pooled
    within-client SD, or the larger of the two (Gumz et al. 2012). Needs
    ``min_prior_sessions`` earlier sessions. Gumz et al. recommend reporting both.
``self_report``
    The Alliance Check's rupture questions: tension reported (1) this session; the size is
    how much it bothered (1-5). Resolved at once when "how far resolved" >=
    ``resolved_threshold`` (open while <= 2 of 5; Muran, Safran et al. post-session
    questionnaire).
``transcript``
    A rupture moment from a transcript, confirmed by the practitioner (withdrawal or
    confrontation marker, 3RS: Eubanks, Muran & Safran).

Repair (Larsson et al. 2018; rupture-rules.md): within ``repair_window`` sessions after the
rupture began, the alliance (same instrument) returns to at least its pre-rupture level
(base_t; A_{t-1} for a sharp drop; the alert rules allow ``repair_tolerance_sd`` noise SDs
below it, a return measured with error; the last alliance score
before the session for self-reported and transcript ruptures), or the client reports the
tension resolved. Otherwise the rupture is ``unrepaired`` once the episode has a session
past the window, ``unrepaired`` and ``censored`` when the episode ended inside the window,
and ``open`` while the window is still running. A new dip while a rupture of the same rule
is still open (or before its repair) belongs to that rupture (one crisis, Gumz et al.);
``n_dips`` counts the dips.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from alliance.monitoring.norms import PracticeNorms, practice_norms
from alliance.monitoring.scales import ScaleParams
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.signals import session_part, signal_key
from alliance.monitoring.tidy import TOTAL, episode_frame

EPS = 1e-9
_STATE_NAMES = {0: "open", 1: "unrepaired", 2: "repaired"}
_SD_NAMES = {0: "own", 1: "pooled", 2: "floor", 3: "practice", 4: "instrument"}
ALERT_SCORE_RULES = ("dip", "gradual_decline")
_BIG = 1 << 31
_OPEN_END = _BIG - 1

RUPTURE_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "episode": pl.String,
    "rule": pl.String,
    "family": pl.String,
    "instrument": pl.String,
    "rater": pl.String,
    "begin_session": pl.Int64,
    "score": pl.Float64,
    "base": pl.Float64,
    "lowest": pl.Float64,
    "drop": pl.Float64,
    "sd": pl.Float64,
    "sd_source": pl.String,
    "size": pl.Float64,
    "threshold": pl.Float64,
    "state": pl.String,
    "repair_session": pl.Int64,
    "censored": pl.Boolean,
    "n_dips": pl.Int64,
    "back_session": pl.Int64,
    "marker": pl.String,
    "moment": pl.String,
}


def rule_name(k: float) -> str:
    """Return the rule name of the k-SD statistical rule, e.g. ``statistical_1sd``."""
    return f"statistical_{k:g}sd"


def alert_rules(settings: MonitoringSettings = DEFAULT_SETTINGS) -> tuple[str, ...]:
    """Return the rupture rules that raise inbox signals (the research labels do not)."""
    return (*ALERT_SCORE_RULES, "self_report", "transcript")


def label_rules(settings: MonitoringSettings = DEFAULT_SETTINGS) -> tuple[str, ...]:
    """Return the literature's research labels (evidence on an alert, counted in research)."""
    return ("sharp_drop", rule_name(settings.k_lenient), rule_name(settings.k_research))


def rupture_key(episode: str, begin_session: int, rule: str, instrument: str | None = None) -> str:
    """Return the stable key of a rupture: ``rupture:{episode}:s{begin}:{rule}[:{instrument}]``."""
    parts = (episode, session_part(begin_session), rule, *((instrument,) if instrument else ()))
    return str(signal_key("rupture", *parts))


def empty_ruptures() -> pl.DataFrame:
    """Return an empty rupture table with the canonical schema."""
    return pl.DataFrame(schema=RUPTURE_SCHEMA)


# --------------------------------------------------------------------------- helpers


def alliance_series(
    scores: pl.DataFrame, params: Mapping[str, ScaleParams], settings: MonitoringSettings
) -> pl.DataFrame:
    """Return the client-rated alliance totals the score rules read (sorted, one series each)."""
    alliance = [k for k, p in params.items() if p.kind == "alliance"]
    return scores.filter(
        pl.col("instrument").is_in(alliance)
        & (pl.col("subscale") == TOTAL)
        & pl.col("rater").is_in(list(settings.rupture_raters))
    ).select("episode", "instrument", "rater", "session", "score")


def resolved_reports(scores: pl.DataFrame, settings: MonitoringSettings) -> pl.DataFrame:
    """Return (episode, session) pairs at which the client reported a tension resolved."""
    return (
        scores.filter(
            pl.col("instrument").is_in(list(settings.check_instruments))
            & (pl.col("subscale") == settings.resolved_subscale)
            & (pl.col("score") >= settings.resolved_threshold - EPS)
        )
        .select("episode", "session")
        .unique(maintain_order=True)
        .with_columns(pl.lit(True).alias("resolved"))
    )


def _series_id(df: pl.DataFrame, keys: list[str]) -> NDArray[np.int64]:
    if df.height == 0:
        return np.zeros(0, dtype=np.int64)
    change = pl.any_horizontal([pl.col(k) != pl.col(k).shift(1) for k in keys]).fill_null(True)
    return df.select(change.cum_sum().cast(pl.Int64) - 1).to_series().to_numpy()


def _cluster_starts(
    group: NDArray[np.int64], begin: NDArray[np.int64], end: NDArray[np.int64]
) -> NDArray[np.intp]:
    """Return the indices where a new rupture starts among sorted candidates.

    A candidate joins the previous rupture of its group when it begins at or before the
    latest end (repair session, window end, or open) of the earlier candidates.
    """
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = group.astype(np.int64) * _BIG + np.minimum(end, _OPEN_END).astype(np.int64)
    running = np.maximum.accumulate(key)
    new = np.ones(n, dtype=bool)
    prev_end = running[:-1] - group[1:].astype(np.int64) * _BIG
    new[1:] = (group[1:] != group[:-1]) | (begin[1:] > prev_end)
    return np.flatnonzero(new)


def _states(
    begin: NDArray[np.int64],
    repair: NDArray[np.int64],
    last_session: NDArray[np.int64],
    ended: NDArray[np.bool_],
    window: int,
) -> tuple[NDArray[np.int8], NDArray[np.bool_], NDArray[np.int64]]:
    """Return (state code, censored, end) for candidates given their repair session (-1 = none)."""
    repaired = repair >= 0
    passed = last_session >= begin + window
    censored = ~repaired & ~passed & ended
    # integer state codes (see _STATE_NAMES): numpy text arrays are slow to hand to polars
    state = np.where(repaired, 2, np.where(passed | censored, 1, 0)).astype(np.int8)
    end = np.where(repaired, repair, np.where(passed, begin + window, _OPEN_END))
    return state, censored, end


# --------------------------------------------------------------------------- score rules


def _series_cumsums(
    sid: NDArray[np.int64], idx: NDArray[np.int64], x: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return running sums of x and x^2 within each series.

    Each series is summed on its own row of a (series x position) matrix, so the floating-
    point result does not depend on the other series in the table (batch == incremental
    to the last bit); very long series fall back to polars' windowed cumsum.
    """
    n_series = int(sid[-1]) + 1 if len(sid) else 0
    width = int(idx.max()) + 1 if len(idx) else 0
    if n_series * width <= 20_000_000:
        m = np.zeros((n_series, width))
        m[sid, idx] = x
        s = np.cumsum(m, axis=1)[sid, idx]
        m[sid, idx] = x * x
        q = np.cumsum(m, axis=1)[sid, idx]
        return s, q
    sums = pl.DataFrame({"sid": sid, "x": x}).select(
        pl.col("x").cum_sum().over("sid").alias("s"),
        (pl.col("x") ** 2).cum_sum().over("sid").alias("q"),
    )
    return sums["s"].to_numpy(), sums["q"].to_numpy()


def _score_ruptures(
    series: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    norms: PracticeNorms,
    resolved: pl.DataFrame,
    episodes: pl.DataFrame,
    settings: MonitoringSettings,
) -> pl.DataFrame:
    if series.height == 0:
        return empty_ruptures()
    # Per-instrument figures as small arrays indexed by an instrument code (one mapping of
    # the text column instead of one per figure).
    names = sorted(params)
    code = {k: i for i, k in enumerate(names)}
    sign_of = np.array([params[k].sign for k in names] + [1.0])
    rc_of = np.array(
        [
            params[k].reliable_change if params[k].reliable_change is not None else np.nan
            for k in names
        ]
        + [np.nan]
    )
    pooled_of = np.array([norms.pooled_sd.get(k, np.nan) for k in names] + [np.nan])
    practice_noise_of = np.array([norms.noise_sd.get(k, np.nan) for k in names] + [np.nan])
    inst_noise_of = np.array(
        [params[k].noise_sd if params[k].noise_sd is not None else np.nan for k in names] + [np.nan]
    )
    rc_inclusive = np.array([params[k].reliable_change_inclusive for k in names] + [True])
    range_of = np.array(
        [params[k].range if params[k].range is not None else np.nan for k in names] + [np.nan]
    )
    df = (
        series.join(resolved, on=["episode", "session"], how="left", maintain_order="left")
        .join(episodes, on="episode", how="left", maintain_order="left")
        .with_columns(
            pl.col("instrument")
            .replace_strict(code, default=len(names), return_dtype=pl.Int32)
            .alias("_code"),
            pl.col("resolved").fill_null(False),
            pl.col("ended").fill_null(False),
        )
    )
    inst = df["_code"].to_numpy()
    sid = _series_id(df, ["episode", "instrument", "rater"])
    n = len(sid)
    ses = df["session"].to_numpy()
    sign = sign_of[inst]
    x = df["score"].to_numpy() * sign  # oriented: higher is better
    rc = rc_of[inst]
    pooled = pooled_of[inst]
    resolved_arr = df["resolved"].to_numpy()
    last_session = df["last_session"].to_numpy()
    ended = df["ended"].to_numpy()

    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    first = starts[sid]
    idx = np.arange(n) - first  # number of earlier administrations in the series

    # Expanding mean and SD of the earlier sessions, centred on the first score for accuracy.
    xc = x - x[first]
    s_run, q_run = _series_cumsums(sid, idx, xc)
    cs = s_run - xc
    cq = q_run - xc * xc
    with np.errstate(invalid="ignore", divide="ignore"):
        prior_mean = cs / idx + x[first]
        var = (cq - cs * cs / idx) / (idx - 1)
    var = np.where(idx >= 2, np.maximum(var, 0.0), np.nan)
    own_sd = np.sqrt(var)
    if settings.sd_source == "own":
        sd = own_sd
    elif settings.sd_source == "pooled":
        sd = pooled
    else:
        sd = np.fmax(own_sd, pooled)
    floor = settings.sd_floor_fraction * range_of[inst]
    floored = np.isfinite(floor) & (floor > 0) & ~(sd >= floor)
    sd = np.where(floored, floor, sd)
    if settings.sd_source == "own":
        sd_label = np.zeros(n, dtype=np.int8)
    elif settings.sd_source == "pooled":
        sd_label = np.ones(n, dtype=np.int8)
    else:
        sd_label = np.where(np.isnan(pooled) | (own_sd >= pooled), 0, 1).astype(np.int8)
    sd_label = np.where(floored, 2, sd_label).astype(np.int8)
    sd_ok = np.isfinite(sd) & (sd > EPS)

    def lag(a: NDArray[np.float64], j: int, fill: float = np.nan) -> NDArray[np.float64]:
        out = np.full(n, fill, dtype=float)
        if j < n:
            out[j:] = a[:-j]
        return np.where(idx >= j, out, fill)

    prev = lag(x, 1)

    def fires(value: NDArray[np.float64], limit: NDArray[np.float64]) -> NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return value - limit <= EPS if settings.inclusive else value - limit < -EPS

    enough = idx >= settings.min_prior_sessions
    base_stat = prior_mean if settings.sd_baseline == "mean" else prev
    # name, mask, base, threshold
    rules: list[tuple[str, NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]] = []
    stat_masks = {}
    for k in sorted({settings.k_lenient, settings.k_research}):
        mask = enough & sd_ok & fires(x, base_stat - k * sd)
        stat_masks[k] = mask
        rules.append((rule_name(k), mask, base_stat, k * sd))
    sharp = np.zeros(n, dtype=bool)
    if settings.use_reliable_change_drop:
        # At exactly RC: fires when both the practice setting and the instrument's
        # criterion are inclusive ("a change of 6 or more" for the PHQ-9).
        with np.errstate(invalid="ignore"):
            at_or_beyond = np.where(rc_inclusive[inst], x - prev + rc <= EPS, x - prev + rc < -EPS)
        sharp = (
            (idx >= 1)
            & np.isfinite(rc)
            & (at_or_beyond if settings.inclusive else fires(x - prev, -rc))
        )
        rules.insert(0, ("sharp_drop", sharp, prev, rc))

    # Alert rules: thresholds in units of the within-client noise SD.
    practice_noise = practice_noise_of[inst]
    inst_noise = inst_noise_of[inst]
    fallback = np.fmax(inst_noise, own_sd)
    fallback = np.where(np.isfinite(inst_noise), fallback, np.fmax(own_sd, floor))
    has_practice = np.isfinite(practice_noise) & (practice_noise > EPS)
    noise = np.where(has_practice, practice_noise, fallback)
    noise_label = np.where(
        has_practice, 3, np.where(np.isfinite(inst_noise) & ~(own_sd > inst_noise), 4, 0)
    ).astype(np.int8)
    noise_label = np.where(
        ~has_practice & ~np.isfinite(inst_noise) & ~(own_sd >= floor), 2, noise_label
    ).astype(np.int8)
    noise_ok = np.isfinite(noise) & (noise > EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        dip_threshold = settings.alert_z * noise * np.sqrt(1.0 + 1.0 / idx)
    dip = enough & noise_ok & fires(x, prior_mean - dip_threshold)
    m = settings.decline_sessions
    # The m latest scores against the mean of the sessions before them.
    recent = x.copy()
    below_all = np.ones(n, dtype=bool)
    n_before = idx - (m - 1)
    base_before = lag(prior_mean, m - 1)
    for j in range(1, m):
        v = lag(x, j)
        recent = recent + v
        with np.errstate(invalid="ignore"):
            below_all &= v < base_before
    recent = recent / m
    with np.errstate(invalid="ignore", divide="ignore"):
        decline_threshold = settings.decline_z * noise * np.sqrt(1.0 / m + 1.0 / n_before)
        below_all &= x < base_before
    decline = (
        (n_before >= settings.min_prior_sessions)
        & noise_ok
        & below_all
        & fires(recent, base_before - decline_threshold)
        & ~dip
    )
    tol = settings.repair_tolerance_sd * np.where(noise_ok, noise, 0.0)
    rules.append(("dip", dip, prior_mean, dip_threshold))
    rules.append(("gradual_decline", decline, base_before, decline_threshold))
    alert_names = set(ALERT_SCORE_RULES)

    window = settings.repair_window
    longest = int(idx.max()) + 1 if n else 0
    frames: list[dict[str, NDArray[np.generic]]] = []
    names_found: list[str] = []
    for name, mask, base, threshold in rules:
        c = np.flatnonzero(mask)
        if len(c) == 0:
            continue
        b = base[c]
        alerting = name in alert_names
        scale = noise[c] if alerting else np.where(sd_ok[c], sd[c], np.nan)
        scale_ok = noise_ok[c] if alerting else sd_ok[c]
        label_c = noise_label[c] if alerting else sd_label[c]
        slack = tol[c] if alerting else np.zeros(len(c))
        # A report of "resolved" at the rupture session itself repairs it at once.
        repair = np.where(resolved_arr[c], ses[c], -1)
        for j in range(1, window + 1):  # forwards, so the earliest return wins
            t = np.minimum(c + j, n - 1)
            ok = (
                (c + j < n)
                & (sid[t] == sid[c])
                & (ses[t] <= ses[c] + window)
                & ((x[t] >= b - settings.repair_tolerance - slack - EPS) | resolved_arr[t])
            )
            repair = np.where((repair < 0) & ok, ses[t], repair)
        state, censored, end = _states(ses[c], repair, last_session[c], ended[c], window)
        # The first later session back at the pre-rupture level, however late (-1: never):
        # until then an unrepaired alert's event is still going on.
        back = np.full(len(c), -1, dtype=np.int64)
        for j in range(1, longest):
            t = np.minimum(c + j, n - 1)
            ok = (
                (c + j < n)
                & (sid[t] == sid[c])
                & (x[t] >= b - settings.repair_tolerance - slack - EPS)
            )
            back = np.where((back < 0) & ok, ses[t], back)
        cs_idx = _cluster_starts(sid[c], ses[c], end)
        ce_idx = np.r_[cs_idx[1:] - 1, len(c) - 1]
        f = c[cs_idx]  # first candidate row of each rupture
        # The labels take the state of a crisis' last dip (Gumz et al.: one crisis); an alert
        # reports the event's own repair: back within the window after it began, or not.
        lst = cs_idx if alerting else ce_idx
        dips = np.diff(np.r_[cs_idx, len(c)])
        size = (b - x[c]) / np.where(scale_ok, scale, np.nan)
        sgn = sign[f]
        first_pos = cs_idx
        frames.append(
            {
                "rule_code": np.full(len(f), len(frames), dtype=np.int8),
                "row": f,
                "score": x[f] * sgn,
                "base": base[f] * sgn,
                "lowest": np.minimum.reduceat(x[c], cs_idx) * sgn,
                "drop": base[f] - x[f],
                "sd": np.where(scale_ok[first_pos], scale[first_pos], np.nan),
                "sd_source": np.where(scale_ok[first_pos], label_c[first_pos], -1).astype(np.int8),
                "size": np.fmax.reduceat(size, cs_idx),
                "threshold": threshold[f],
                "state": state[lst],
                "repair_session": repair[lst],
                "censored": censored[lst],
                "n_dips": dips,
                "back_session": back[cs_idx],
            }
        )
        names_found.append(name)
    if not frames:
        return empty_ruptures()
    # One frame for every rule (numpy concatenation), not one polars frame per rule.
    found = pl.DataFrame({k: np.concatenate([fr[k] for fr in frames]) for k in frames[0]})
    meta = df.select("episode", "instrument", "rater", "session")[found["row"].to_numpy()]
    out = pl.concat([meta, found.drop("row")], how="horizontal").with_columns(
        pl.col("session").alias("begin_session"),
        pl.lit("score").alias("family"),
        pl.col("rule_code")
        .replace_strict(dict(enumerate(names_found)), return_dtype=pl.String)
        .alias("rule"),
        pl.col("state").replace_strict(_STATE_NAMES, return_dtype=pl.String),
        pl.col("sd_source").replace_strict(_SD_NAMES, default=None, return_dtype=pl.String),
        pl.when(pl.col("repair_session") >= 0)
        .then(pl.col("repair_session"))
        .alias("repair_session"),
        pl.when(pl.col("back_session") >= 0).then(pl.col("back_session")).alias("back_session"),
        pl.lit(None, pl.String).alias("marker"),
        pl.lit(None, pl.String).alias("moment"),
    )
    return _finish(out)


def _finish(df: pl.DataFrame) -> pl.DataFrame:
    by_rule = (pl.col("episode"), session_part(pl.col("begin_session")), pl.col("rule"))
    # A score rupture names its instrument as one more part; the others have none.
    key = (
        pl.when(pl.col("family") == "score")
        .then(signal_key("rupture", *by_rule, pl.col("instrument")))
        .otherwise(signal_key("rupture", *by_rule))
    )
    cols = [
        (key if c == "key" else pl.col(c)).cast(t).alias(c)
        if t != pl.Float64
        else pl.col(c).cast(t).fill_nan(None)
        for c, t in RUPTURE_SCHEMA.items()
    ]
    return df.select(cols)


# --------------------------------------------------------------------------- event rules


def _event_ruptures(
    events: pl.DataFrame,
    series: pl.DataFrame,
    resolved: pl.DataFrame,
    episodes: pl.DataFrame,
    settings: MonitoringSettings,
) -> pl.DataFrame:
    """Track repair of ruptures that begin at a reported or observed moment.

    ``events``: episode, session, rule, size, marker, moment, resolved_now (bool).
    """
    if events.height == 0:
        return empty_ruptures()
    window = settings.repair_window
    ev = events.with_row_index("eid")
    # Each event beside its episode's alliance totals (a dozen rows per event, not a sort of
    # the whole series table).
    pairs = ev.select("eid", "episode", "session").join(
        series.select(
            "episode",
            "instrument",
            "rater",
            pl.col("session").alias("s2"),
            pl.col("score").alias("a2"),
        ),
        on="episode",
    )
    # Pre-rupture level: the last client alliance total before the session (ties between two
    # instruments at one session broken by instrument id, for a deterministic choice).
    base = (
        pairs.filter(pl.col("s2") < pl.col("session"))
        .sort("eid", "s2", "instrument")
        .group_by("eid")
        .agg(
            pl.col("instrument").last().alias("base_instrument"),
            pl.col("rater").last().alias("base_rater"),
            pl.col("a2").last().alias("base"),
        )
    )
    ev = ev.join(base, on="eid", how="left")
    later = (
        pairs.join(base, on="eid")
        .filter(
            (pl.col("instrument") == pl.col("base_instrument"))
            & (pl.col("s2") > pl.col("session"))
            & (pl.col("s2") <= pl.col("session") + window)
            & (pl.col("a2") >= pl.col("base") - settings.repair_tolerance - EPS)
        )
        .group_by("eid")
        .agg(pl.col("s2").min().alias("alliance_repair"))
    )
    reported = (
        ev.select("eid", "episode", "session")
        .join(resolved.select("episode", pl.col("session").alias("s2")), on="episode")
        .filter((pl.col("s2") > pl.col("session")) & (pl.col("s2") <= pl.col("session") + window))
        .group_by("eid")
        .agg(pl.col("s2").min().alias("report_repair"))
    )
    ev = (
        ev.join(later, on="eid", how="left")
        .join(reported, on="eid", how="left")
        .join(episodes, on="episode", how="left")
        .sort("episode", "rule", "session", "eid")
        .with_columns(
            pl.when(pl.col("resolved_now"))
            .then(pl.col("session"))
            .otherwise(pl.min_horizontal("alliance_repair", "report_repair"))
            .fill_null(-1)
            .alias("repair"),
            pl.col("ended").fill_null(False),
            pl.col("last_session").fill_null(pl.col("session")),
        )
    )
    group = _series_id(ev, ["episode", "rule"])
    begin = ev["session"].to_numpy()
    repair = ev["repair"].to_numpy()
    state, censored, end = _states(
        begin, repair, ev["last_session"].to_numpy(), ev["ended"].to_numpy(), window
    )
    starts = _cluster_starts(group, begin, end)
    last = np.r_[starts[1:] - 1, len(group) - 1]
    ev = ev.with_columns(
        pl.Series("state", state), pl.Series("censored", censored), pl.Series("repair", repair)
    )
    first_rows = ev[starts]
    last_rows = ev[last]
    size = ev["size"].to_numpy().astype(float)
    out = first_rows.select(
        "episode",
        "rule",
        pl.col("session").alias("begin_session"),
        pl.col("base_instrument").alias("instrument"),
        pl.col("base_rater").alias("rater"),
        "base",
        "marker",
        "moment",
    ).with_columns(
        pl.lit(None, pl.String).alias("sd_source"),
        pl.Series("size", np.fmax.reduceat(size, starts) if len(size) else size),
        pl.Series("state", last_rows["state"]).replace_strict(_STATE_NAMES, return_dtype=pl.String),
        pl.Series("repair_session", last_rows["repair"]).replace(-1, None),
        pl.Series("censored", last_rows["censored"]),
        pl.Series("n_dips", np.diff(np.r_[starts, len(group)])),
        pl.lit(None, pl.Int64).alias("back_session"),
        pl.lit(None, pl.Float64).alias("score"),
        pl.lit(None, pl.Float64).alias("lowest"),
        pl.lit(None, pl.Float64).alias("drop"),
        pl.lit(None, pl.Float64).alias("sd"),
        pl.lit(None, pl.Float64).alias("threshold"),
        pl.col("rule").alias("family"),
    )
    return _finish(out)


def _self_report_events(scores: pl.DataFrame, settings: MonitoringSettings) -> pl.DataFrame:
    """Return one event per session at which the client reported tension (rule self_report)."""
    sub = pl.col("subscale")
    # One pass over the table: tension reports plus any bother / resolved answers.
    wide = scores.filter(
        (
            ((sub == settings.tension_subscale) & (pl.col("score") >= 0.5))
            | (sub == settings.bother_subscale)
            | (sub == settings.resolved_subscale)
        )
        & pl.col("instrument").is_in(list(settings.check_instruments))
    ).select("episode", "session", "subscale", "score")
    if wide.height == 0 or not (wide["subscale"] == settings.tension_subscale).any():
        return pl.DataFrame()
    return (
        wide.lazy()
        .group_by("episode", "session")
        .agg(
            (sub == settings.tension_subscale).any().alias("tension"),
            pl.col("score").filter(sub == settings.bother_subscale).max().alias("bother"),
            pl.col("score").filter(sub == settings.resolved_subscale).max().alias("res"),
        )
        .filter(pl.col("tension"))
        .select(
            "episode",
            "session",
            pl.lit("self_report").alias("rule"),
            pl.col("bother").cast(pl.Float64).alias("size"),
            pl.lit(None, pl.String).alias("marker"),
            pl.lit(None, pl.String).alias("moment"),
            (pl.col("res") >= settings.resolved_threshold - EPS)
            .fill_null(False)
            .alias("resolved_now"),
        )
        .collect()
    )


def _transcript_events(moments: pl.DataFrame | None) -> pl.DataFrame:
    if moments is None or moments.height == 0:
        return pl.DataFrame()
    return moments.select(
        "episode",
        "session",
        pl.lit("transcript").alias("rule"),
        pl.lit(None, pl.Float64).alias("size"),
        "marker",
        "moment",
        pl.col("resolved").alias("resolved_now"),
    )


# --------------------------------------------------------------------------- public API


def detect_ruptures(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    *,
    norms: PracticeNorms | None = None,
    transcript_ruptures: pl.DataFrame | None = None,
    episodes: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Return every rupture in a prepared scores table, one row each (see module docstring).

    Parameters
    ----------
    scores : prepared scores (``tidy.prepare_scores``).
    params : instrument parameters (``scales.scale_params``).
    settings : practice settings.
    norms : practice norms (pooled SD); computed from ``scores`` when None.
    transcript_ruptures : prepared confirmed transcript moments
        (``tidy.prepare_transcript_ruptures``).
    episodes : one row per episode with ``last_session`` and ``ended``
        (``tidy.episode_frame``); computed from ``scores`` when None.

    Returns
    -------
    polars.DataFrame with the columns of :data:`RUPTURE_SCHEMA`. ``drop`` is in score
    points (positive = worse), ``size`` is drop / SD for score rules and the bother rating
    for self-reported ruptures, ``threshold`` the drop the rule needed.
    """

    if norms is None:
        norms = practice_norms(scores, params, settings)
    if episodes is None:
        episodes = episode_frame(scores)
    series = alliance_series(scores, params, settings)
    resolved = resolved_reports(scores, settings)
    parts = [_score_ruptures(series, params, norms, resolved, episodes, settings)]
    events = [
        e
        for e in (_self_report_events(scores, settings), _transcript_events(transcript_ruptures))
        if e.height
    ]
    if events:
        ev = pl.concat(events, how="vertical_relaxed")
        parts.append(_event_ruptures(ev, series, resolved, episodes, settings))
    out = pl.concat(parts, how="vertical_relaxed")
    return out.sort("episode", "begin_session", "key", "rater", nulls_last=True)


def rupture_counts(ruptures: pl.DataFrame, episodes: Any | None = None) -> pl.DataFrame:
    """Return rupture-repair counts per episode and rule.

    Columns: episode, rule, ruptures, repaired, unrepaired, open, censored. With
    ``episodes`` (a list or a frame with an ``episode`` column) every episode appears,
    with zero counts where it had no rupture of any rule.
    """
    counts = ruptures.group_by("episode", "rule").agg(
        pl.len().cast(pl.Int64).alias("ruptures"),
        (pl.col("state") == "repaired").sum().cast(pl.Int64).alias("repaired"),
        (pl.col("state") == "unrepaired").sum().cast(pl.Int64).alias("unrepaired"),
        (pl.col("state") == "open").sum().cast(pl.Int64).alias("open"),
        pl.col("censored").sum().cast(pl.Int64).alias("censored"),
    )
    if episodes is not None:
        eps = (
            episodes["episode"]
            if isinstance(episodes, pl.DataFrame)
            else pl.Series("episode", list(episodes))
        )
        rules = counts["rule"].unique() if counts.height else pl.Series("rule", [], pl.String)
        grid = pl.DataFrame({"episode": eps.cast(pl.String).unique()}).join(
            pl.DataFrame({"rule": rules}), how="cross"
        )
        counts = grid.join(counts, on=["episode", "rule"], how="left").fill_null(0)
    return counts.sort("episode", "rule")


def rupture_patterns(ruptures: pl.DataFrame, rule: str) -> pl.DataFrame:
    """Return one Larsson et al. (2018) pattern per episode for ``rule``.

    ``repair`` when at least one rupture was repaired, ``rupture`` when ruptures occurred
    and none was repaired; episodes without rupture do not appear (pattern ``none``).
    """
    return (
        ruptures.filter(pl.col("rule") == rule)
        .group_by("episode")
        .agg((pl.col("state") == "repaired").any().alias("any_repaired"))
        .select(
            "episode",
            pl.when(pl.col("any_repaired"))
            .then(pl.lit("repair"))
            .otherwise(pl.lit("rupture"))
            .alias("pattern"),
        )
        .sort("episode")
    )
