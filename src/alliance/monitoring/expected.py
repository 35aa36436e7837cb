"""Expected recovery corridors and the not-on-track rule.

Empirical method (Lambert's empirical approach; reference B2 proposal): for each outcome
instrument, linear quantile regression fitted on the practice's completed episodes,

    Q_tau(y_t | x_1, t) = b0 + b1 * c + b2 * log(t) + b3 * c * log(t),   c = x_1 - mean(x_1)

where y_t is the score at session t counted from intake (t = session - intake session + 1,
so missed sessions count as time) and x_1 the intake score. This is a log-linear recovery
curve whose level and slope depend on the intake score continuously, instead of a handful
of intake bands, and whose corridor (the tau = 0.1 and 0.9 quantiles) widens with time as
the data say. Fitted with statsmodels' ``QuantReg`` (Koenker & Bassett 1978), or, when its
iterations reach their limit, by the exact linear programme (``_quantile_fit``).

Minimum: ``settings.min_completed_episodes`` (50) completed episodes, each with at least
``settings.min_administrations`` (3) administrations of the instrument. With fewer, the
rational method is used.

Rational method (Lambert's rational approach, rules of our own): not on track when the
score has reliably deteriorated since intake (worse by at least the instrument's reliable-
change threshold), or, when ``settings.rational_no_improvement_session`` is set (off by
default: it flagged 55% of simulated on-track clients), when an episode that started in the
clinical range has not reliably improved by that many sessions after intake. Needs a
reliable-change threshold; instruments without one get no rational rule.

A client is not on track at session t when, over the last ``not_on_track_confirm`` (2)
administrations, the score lies on average at least ``not_on_track_z`` (1.4) corridor SDs on
the worse side of the expected median, and is on average worse than at intake by at least
``not_on_track_worse_fraction`` (0.15) of the reliable-change threshold (0.9 points on the
PHQ-9). The corridor SD is the
distance from the median to the bad-side bound divided by the normal quantile of that bound
(1.2816 for the 90% bound), so z = (y_t - median_t) / SD_t measures how unusual a score is
for a client with that intake. Flagging every administration outside the 90% bound kept its
nominal 10% per administration but flagged 37% of on-track clients at least once over 12
sessions; averaging two administrations and asking for a worsening since intake brings the
per-client rate under 10% while still flagging 85% of deteriorating clients by their fourth
session (``python -m alliance.monitoring.calibration``; docs/signals.md).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from alliance.monitoring.rules import flag_runs
from alliance.monitoring.scales import ScaleParams
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.signals import empty_signals, make_signals, session_part, signal_key
from alliance.monitoring.tidy import TOTAL, as_float

METHOD = "quantile_loglinear"
# Iterations of statsmodels' IRLS before the exact linear programme takes over.
IRLS_MAX_ITER = 5000
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True)
class RecoveryModel:
    """A fitted expected-recovery corridor for one outcome instrument (JSON-serialisable)."""

    instrument: str
    quantiles: tuple[float, ...]
    coefficients: dict[str, tuple[float, float, float, float]]
    intake_mean: float
    higher_is_better: bool
    fitted_at: str
    n_episodes: int
    n_observations: int
    max_session: int
    method: str = METHOD

    def to_dict(self) -> dict[str, Any]:
        """Return the model as JSON-ready data."""
        return asdict(self)

    def to_json(self) -> str:
        """Return the model as a JSON string."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any]) -> RecoveryModel:
        """Rebuild a model from :meth:`to_json` output (string or parsed dict)."""
        d = json.loads(text) if isinstance(text, str) else dict(text)
        if d.get("method") != METHOD:
            raise ValueError(f"unknown recovery model method {d.get('method')!r}")
        return cls(
            instrument=str(d["instrument"]),
            quantiles=tuple(float(q) for q in d["quantiles"]),
            coefficients={str(k): tuple(float(x) for x in v) for k, v in d["coefficients"].items()},  # type: ignore[misc]
            intake_mean=float(d["intake_mean"]),
            higher_is_better=bool(d["higher_is_better"]),
            fitted_at=str(d["fitted_at"]),
            n_episodes=int(d["n_episodes"]),
            n_observations=int(d["n_observations"]),
            max_session=int(d["max_session"]),
        )

    def predict(self, intake: ArrayLike, t: ArrayLike, quantile: float) -> NDArray[np.float64]:
        """Return the ``quantile`` of the score at session ``t`` since intake.

        t beyond the largest fitted session is held at that session (no extrapolation).
        """
        b = self.coefficients[_qkey(quantile)]
        c = np.asarray(intake, dtype=float) - self.intake_mean
        lt: NDArray[np.float64] = np.log(np.clip(np.asarray(t, dtype=float), 1, self.max_session))
        return b[0] + b[1] * c + b[2] * lt + b[3] * c * lt

    def bad_side_quantile(self) -> float:
        """Return the corridor bound beyond which a client is off track."""
        return min(self.quantiles) if self.higher_is_better else max(self.quantiles)


def _qkey(q: float) -> str:
    return f"{q:g}"


def outcome_series(
    scores: FrameT, params: Mapping[str, ScaleParams], instruments: list[str] | None = None
) -> FrameT:
    """Return client outcome totals with intake score and t (sessions since intake, 1-based)."""
    outcome = [k for k, p in params.items() if p.kind == "outcome"]
    if instruments is not None:
        outcome = [k for k in outcome if k in instruments]
    o = scores.filter(
        pl.col("instrument").is_in(outcome)
        & (pl.col("subscale") == TOTAL)
        & (pl.col("rater") == "client")
    ).select("episode", "instrument", "session", "score", "ended")
    start = pl.any_horizontal(
        [pl.col(k) != pl.col(k).shift(1) for k in ("episode", "instrument")]
    ).fill_null(True)
    last = pl.any_horizontal(
        [pl.col(k) != pl.col(k).shift(-1) for k in ("episode", "instrument")]
    ).fill_null(True)
    return o.with_columns(
        pl.when(start).then(pl.col("score")).forward_fill().alias("intake"),
        pl.when(start).then(pl.col("session")).forward_fill().alias("intake_session"),
        last.alias("is_last"),
        start.cum_sum().alias("series"),
    ).with_columns((pl.col("session") - pl.col("intake_session") + 1).alias("t"))


def fit_recovery_model(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    instrument: str,
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    *,
    fitted_at: dt.datetime | None = None,
    completed: bool = True,
) -> RecoveryModel | None:
    """Fit the expected-recovery corridor for ``instrument``; None when data are too few.

    Uses episodes flagged ``ended`` (``completed=True``) with at least
    ``settings.min_administrations`` administrations, and needs
    ``settings.min_completed_episodes`` of them.
    """
    p = params.get(instrument)
    if p is None or p.kind != "outcome":
        raise ValueError(f"{instrument!r} is not an outcome instrument")
    o = outcome_series(scores, params, [instrument])
    if completed:
        o = o.filter(pl.col("ended"))
    counts = o.group_by("series").agg(pl.len().alias("n"))
    keep = counts.filter(pl.col("n") >= settings.min_administrations)["series"]
    o = o.filter(pl.col("series").is_in(keep.implode()))
    n_eps = keep.len()
    if n_eps < settings.min_completed_episodes:
        return None
    o = o.filter(pl.col("t") >= 2)
    intake_mean = as_float(o.group_by("series").agg(pl.col("intake").first())["intake"].mean())
    c = o["intake"].to_numpy() - intake_mean
    lt = np.log(o["t"].to_numpy().astype(float))
    X = np.column_stack([np.ones_like(c), c, lt, c * lt])
    y = o["score"].to_numpy()
    coefs: dict[str, tuple[float, float, float, float]] = {}
    for q in settings.corridor_quantiles:
        coefs[_qkey(q)] = tuple(float(v) for v in _quantile_fit(y, X, q))  # type: ignore[assignment]
    when = fitted_at or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise ValueError("fitted_at must be timezone-aware")
    return RecoveryModel(
        instrument=instrument,
        quantiles=tuple(settings.corridor_quantiles),
        coefficients=coefs,
        intake_mean=intake_mean,
        higher_is_better=p.higher_is_better,
        fitted_at=when.isoformat(),
        n_episodes=int(n_eps),
        n_observations=int(len(y)),
        max_session=int(as_float(o["t"].max())),
    )


def _quantile_fit(y: NDArray[Any], X: NDArray[Any], q: float) -> NDArray[np.float64]:
    """Return the coefficients of the ``q`` quantile regression of ``y`` on ``X``.

    statsmodels' ``QuantReg`` (iteratively reweighted least squares) first; when it reaches
    its iteration limit, which it can on integer scores with many ties, the exact
    Koenker & Bassett (1978) linear programme, solved by HiGHS:

        min  q 1'u + (1 - q) 1'v   subject to  X b + u - v = y,  u, v >= 0.

    Both minimise the same check loss; the programme always ends, at an exact minimum.
    """
    from statsmodels.regression.quantile_regression import QuantReg
    from statsmodels.tools.sm_exceptions import IterationLimitWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IterationLimitWarning)
        res = QuantReg(y, X).fit(q=q, max_iter=IRLS_MAX_ITER)
    for w in caught:  # pass on every other warning
        if not issubclass(w.category, IterationLimitWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not any(issubclass(w.category, IterationLimitWarning) for w in caught):
        return np.asarray(res.params, dtype=float)
    return _quantile_lp(y, X, q)


def _quantile_lp(y: NDArray[Any], X: NDArray[Any], q: float) -> NDArray[np.float64]:
    """Solve the quantile regression's linear programme exactly (see ``_quantile_fit``)."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, k = X.shape
    eye = sparse.identity(n, format="csc")
    a_eq = sparse.hstack([sparse.csc_matrix(X), eye, -eye], format="csc")
    cost = np.concatenate([np.zeros(k), np.full(n, q), np.full(n, 1 - q)])
    bounds = [(None, None)] * k + [(0, None)] * (2 * n)
    out = linprog(cost, A_eq=a_eq, b_eq=np.asarray(y, dtype=float), bounds=bounds, method="highs")
    if not out.success or out.x is None:
        raise ValueError(f"the quantile regression (q = {q}) has no solution: {out.message}")
    return np.asarray(out.x[:k], dtype=float)


def fit_recovery_models(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    *,
    fitted_at: dt.datetime | None = None,
) -> dict[str, RecoveryModel]:
    """Fit a corridor for every outcome instrument with enough completed episodes."""
    present = set(scores["instrument"].unique().to_list())
    out = {}
    for k, p in params.items():
        if p.kind == "outcome" and k in present:
            m = fit_recovery_model(scores, params, k, settings, fitted_at=fitted_at)
            if m is not None:
                out[k] = m
    return out


def corridor(
    o: FrameT, models: Mapping[str, RecoveryModel], settings: MonitoringSettings
) -> FrameT:
    """Add expected_low / expected_median / expected_high to rows of :func:`outcome_series`."""
    lo, mid, hi = settings.corridor_quantiles
    cols = {"expected_low": lo, "expected_median": mid, "expected_high": hi}
    if not models:
        return o.with_columns(pl.lit(None, pl.Float64).alias(c) for c in cols)
    rows = []
    for k, m in models.items():
        row: dict[str, Any] = {
            "instrument": k,
            "_mean": m.intake_mean,
            "_tmax": float(m.max_session),
        }
        for name, q in cols.items():
            b = m.coefficients.get(_qkey(q))
            for i in range(4):
                row[f"{name}_{i}"] = b[i] if b else None
        rows.append(row)
    coef = pl.DataFrame(
        rows, schema_overrides={c: pl.Float64 for c in rows[0] if c != "instrument"}
    )
    o = o.join(
        coef.lazy() if isinstance(o, pl.LazyFrame) else coef,
        on="instrument",
        how="left",
        maintain_order="left",
    )
    c = pl.col("intake") - pl.col("_mean")
    lt = pl.col("t").cast(pl.Float64).clip(1.0, pl.col("_tmax")).log()
    exprs = [
        (
            pl.col(f"{n}_0")
            + pl.col(f"{n}_1") * c
            + pl.col(f"{n}_2") * lt
            + pl.col(f"{n}_3") * c * lt
        ).alias(n)
        for n in cols
    ]
    return o.with_columns(exprs).drop(coef.columns[1:])


def not_on_track_flags(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    models: Mapping[str, RecoveryModel] | None = None,
) -> pl.DataFrame:
    """Return one row per client outcome administration with the not-on-track verdict.

    Columns: episode, instrument, session, t, score, intake, expected_low/median/high,
    bound (the corridor bound on the bad side), method (``empirical:quantile_loglinear``,
    ``rational`` or null when no rule applies), off_track (bool), reason, is_last.
    """
    models = dict(models or {})
    o = outcome_series(scores.lazy(), params)
    o = corridor(o, models, settings)
    lo, _, hi = settings.corridor_quantiles
    hib = {k: p.higher_is_better for k, p in params.items()}
    rc = {k: float(p.reliable_change) for k, p in params.items() if p.reliable_change is not None}
    cut = {k: float(p.clinical_cutoff) for k, p in params.items() if p.clinical_cutoff is not None}
    op = {k: p.clinical_op for k, p in params.items() if p.clinical_cutoff is not None}
    o = o.with_columns(
        pl.col("instrument")
        .replace_strict(hib, default=False, return_dtype=pl.Boolean)
        .alias("_hib"),
        pl.col("instrument").replace_strict(rc, default=None, return_dtype=pl.Float64).alias("_rc"),
        pl.col("instrument")
        .replace_strict(cut, default=None, return_dtype=pl.Float64)
        .alias("_cut"),
        pl.col("instrument").replace_strict(op, default=None, return_dtype=pl.String).alias("_op"),
        pl.col("instrument").is_in(list(models)).alias("_emp"),
    )
    sign = pl.when(pl.col("_hib")).then(1.0).otherwise(-1.0)
    worse_by = (pl.col("intake") - pl.col("score")) * sign  # positive = worse than intake
    bound = pl.when(pl.col("_hib")).then(pl.col("expected_low")).otherwise(pl.col("expected_high"))
    z_bound = statistics.NormalDist().inv_cdf(hi)
    sd = ((bound - pl.col("expected_median")).abs() / z_bound).clip(lower_bound=1e-9)
    z = ((pl.col("score") - pl.col("expected_median")) * -sign / sd).alias("_z")
    o = o.with_columns(z)
    k = settings.not_on_track_confirm
    worse = worse_by.alias("_w")
    o = o.with_columns(worse)

    # Rows of a series are contiguous (outcome_series): a shift within the series is a plain
    # shift where the series id agrees (no window, which is several times slower).
    def within(name: str, j: int) -> pl.Expr:
        if j == 0:
            return pl.col(name)
        return pl.when(pl.col("series") == pl.col("series").shift(j)).then(pl.col(name).shift(j))

    z_mean = pl.sum_horizontal([within("_z", j) for j in range(k)]) / k
    w_mean = pl.sum_horizontal([within("_w", j) for j in range(k)]) / k
    margin = (pl.col("_rc") * settings.not_on_track_worse_fraction).fill_null(0.0)
    emp_off = (z_mean >= settings.not_on_track_z) & (w_mean >= margin) & (w_mean > 0)
    clinical_intake = (
        pl.when(pl.col("_op") == "ge")
        .then(pl.col("intake") >= pl.col("_cut"))
        .when(pl.col("_op") == "gt")
        .then(pl.col("intake") > pl.col("_cut"))
        .when(pl.col("_op") == "le")
        .then(pl.col("intake") <= pl.col("_cut"))
        .when(pl.col("_op") == "lt")
        .then(pl.col("intake") < pl.col("_cut"))
        .otherwise(True)
    )
    deteriorated = worse_by >= pl.col("_rc") - 1e-9
    stalled = (
        pl.lit(settings.rational_no_improvement_session > 0)
        & (pl.col("t") >= settings.rational_no_improvement_session)
        & clinical_intake
        & (-worse_by < pl.col("_rc") - 1e-9)
    )
    later = pl.col("t") >= 2
    method = (
        pl.when(~later)
        .then(None)
        .when(pl.col("_emp"))
        .then(pl.lit(f"empirical:{METHOD}"))
        .when(pl.col("_rc").is_not_null())
        .then(pl.lit("rational"))
        .otherwise(None)
    )
    off = (
        pl.when(~later)
        .then(False)
        .when(pl.col("_emp"))
        .then(emp_off)
        .when(pl.col("_rc").is_not_null())
        .then(deteriorated | stalled)
        .otherwise(False)
        .fill_null(False)
    )
    reason = (
        pl.when(~pl.col("off_track"))
        .then(None)
        .when(pl.col("_emp"))
        .then(pl.lit("worse than expected for the intake score over the last sessions"))
        .when(deteriorated)
        .then(pl.lit("reliable deterioration since intake"))
        .otherwise(
            pl.lit(f"no reliable improvement by session {settings.rational_no_improvement_session}")
        )
    )
    o = o.with_columns(
        bound.alias("bound"),
        method.alias("method"),
        off.alias("off_track"),
        worse_by.alias("worse_than_intake"),
        pl.col("_z").alias("corridor_z"),
    )
    o = o.with_columns(reason.alias("reason"))
    return (
        o.drop("_hib", "_cut", "_op", "_emp", "_z", "_w", "series", "intake_session", "ended")
        .collect()
        .rename({"_rc": "reliable_change"})
    )


def not_on_track(
    scores: pl.DataFrame,
    params: Mapping[str, ScaleParams],
    settings: MonitoringSettings = DEFAULT_SETTINGS,
    models: Mapping[str, RecoveryModel] | None = None,
    *,
    flags: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Return a not-on-track signal per run of consecutive off-track administrations.

    The signal's session is the run's first off-track session; open while the latest
    administration is off track, resolved once the client is back inside. The method says
    which rule produced it; the evidence carries the model's fit date and sample size.
    """
    if flags is None:
        flags = not_on_track_flags(scores, params, settings, models)
    if flags.height == 0:
        return empty_signals()
    f = flag_runs(flags.lazy(), ["episode", "instrument"], "off_track")
    runs = (
        f.filter(pl.col("off_track"))
        .group_by("episode", "instrument", "run", maintain_order=True)
        .agg(
            pl.col("session").first(),
            pl.col("t").first(),
            pl.col("score").first(),
            pl.col("intake").first(),
            pl.col("expected_median").first(),
            pl.col("bound").first(),
            pl.col("reliable_change").first(),
            pl.col("method").first(),
            pl.col("reason").first(),
            pl.len().alias("sessions_off_track"),
            pl.col("session").last().alias("last_off_track_session"),
            pl.col("is_last").last().alias("current"),
        )
        .filter(pl.col("sessions_off_track") >= settings.not_on_track_min_run)
    )
    info = {
        k: {"fitted_at": m.fitted_at, "n_episodes": m.n_episodes} for k, m in (models or {}).items()
    }
    runs = runs.with_columns(
        pl.col("instrument")
        .replace_strict(
            {k: v["fitted_at"] for k, v in info.items()}, default=None, return_dtype=pl.String
        )
        .alias("model_fitted_at"),
        pl.col("instrument")
        .replace_strict(
            {k: v["n_episodes"] for k, v in info.items()}, default=None, return_dtype=pl.Int64
        )
        .alias("model_n_episodes"),
    )
    key = signal_key(
        "not_on_track", pl.col("episode"), pl.col("instrument"), session_part(pl.col("session"))
    )
    return make_signals(
        runs,
        type_="not_on_track",
        key=key,
        method=pl.col("method"),
        state=pl.when(pl.col("current")).then(pl.lit("open")).otherwise(pl.lit("resolved")),
        evidence=[
            "score",
            "intake",
            pl.col("t").alias("sessions_since_intake"),
            "expected_median",
            pl.col("bound").alias("corridor_bound"),
            "reliable_change",
            "reason",
            "sessions_off_track",
            "last_off_track_session",
            "model_fitted_at",
            "model_n_episodes",
        ],
    )


def nominal_false_alarm_rate(settings: MonitoringSettings = DEFAULT_SETTINGS) -> float:
    """Return the per-administration false-alarm rate the empirical corridor is built for."""
    lo, _, hi = settings.corridor_quantiles
    if not math.isclose(lo, 1 - hi):
        raise ValueError("corridor quantiles are not symmetric")
    return lo
