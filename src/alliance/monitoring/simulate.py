"""Simulated practices for calibration, tests and benchmarks (seeded, vectorised)."""

from __future__ import annotations

import numpy as np
import polars as pl


def simulate_outcomes(
    n_episodes: int,
    *,
    n_sessions: int = 12,
    kind: str = "on_track",
    instrument: str = "phq9",
    seed: int = 0,
    ended: bool = True,
    prefix: str = "sim",
) -> pl.DataFrame:
    """Return a tidy table of simulated PHQ-9-like outcome trajectories.

    y_1 = intake ~ N(14, 4) clipped to [5, 27]; for t >= 2
    y_t = intake + b_i * log(t) + e_it, e ~ N(0, 2), clipped to [0, 27], with the
    client's slope b_i ~ N(-3, 1.5) for ``on_track`` clients (log-linear recovery, as in the
    expected-recovery literature, reference B2) and b_i ~ N(+2, 1) for ``deteriorating``
    ones; ``stalled`` clients (b_i ~ N(0, 1)) neither improve nor worsen on average.
    """
    rng = np.random.default_rng(seed)
    intake = np.clip(rng.normal(14, 4, n_episodes), 5, 27)
    if kind == "on_track":
        slope = rng.normal(-3.0, 1.5, n_episodes)
    elif kind == "deteriorating":
        slope = rng.normal(2.0, 1.0, n_episodes)
    elif kind == "stalled":
        slope = rng.normal(0.0, 1.0, n_episodes)
    else:
        raise ValueError("kind must be on_track, stalled or deteriorating")
    t = np.arange(1, n_sessions + 1, dtype=float)
    y = (
        intake[:, None]
        + slope[:, None] * np.log(t)[None, :]
        + rng.normal(0, 2.0, (n_episodes, n_sessions))
    )
    y[:, 0] = intake
    y = np.clip(y, 0, 27)
    return pl.DataFrame(
        {
            "episode": np.repeat([f"{prefix}-{i}" for i in range(n_episodes)], n_sessions),
            "session": np.tile(np.arange(1, n_sessions + 1), n_episodes),
            "instrument": instrument,
            "score": y.ravel(),
            "ended": ended,
        }
    )


def simulate_practice(
    n_administrations: int = 1_000_000, *, sessions: int = 12, seed: int = 0
) -> pl.DataFrame:
    """Return a practice-sized tidy table for benchmarks.

    Each session holds three administrations: the client's Alliance Check (total plus its
    tension question, 4 rows counting the rupture question as a row), the practitioner's
    Alliance Check and the PHQ-9. Alliance totals follow a client level plus noise with an
    occasional dip; about 5% of sessions report tension.
    """
    rng = np.random.default_rng(seed)
    n_sessions_total = -(-n_administrations // 3)
    n_ep = -(-n_sessions_total // sessions)
    ep = np.repeat(np.arange(n_ep), sessions)[:n_sessions_total]
    ses = np.tile(np.arange(1, sessions + 1), n_ep)[:n_sessions_total]
    level = rng.normal(7.5, 1.2, n_ep)[ep]
    dip = rng.random(n_sessions_total) < 0.04
    client = np.clip(level + rng.normal(0, 0.6, n_sessions_total) - 2.5 * dip, 0, 10)
    prac = np.clip(level - 0.5 + rng.normal(0, 0.8, n_sessions_total), 0, 10)
    intake = np.clip(rng.normal(14, 4, n_ep), 5, 27)[ep]
    slope = rng.normal(-3, 1.5, n_ep)[ep]
    phq = np.clip(
        intake + slope * np.log(ses) + rng.normal(0, 2, n_sessions_total) * (ses > 1), 0, 27
    )
    tension = (rng.random(n_sessions_total) < 0.05) | (dip & (rng.random(n_sessions_total) < 0.5))
    ended = ep % 3 == 0
    episode = pl.Series(ep).cast(pl.String)
    base = pl.DataFrame({"episode": episode, "session": ses, "ended": ended})
    parts = [
        base.with_columns(
            pl.lit("alliance-check").alias("instrument"),
            pl.lit("client").alias("rater"),
            pl.lit("total").alias("subscale"),
            pl.Series("score", client),
        ),
        base.with_columns(
            pl.lit("alliance-check").alias("instrument"),
            pl.lit("client").alias("rater"),
            pl.lit("tension").alias("subscale"),
            pl.Series("score", tension.astype(float)),
        ),
        base.with_columns(
            pl.lit("alliance-check-practitioner").alias("instrument"),
            pl.lit("practitioner").alias("rater"),
            pl.lit("total").alias("subscale"),
            pl.Series("score", prac),
        ),
        base.with_columns(
            pl.lit("phq9").alias("instrument"),
            pl.lit("client").alias("rater"),
            pl.lit("total").alias("subscale"),
            pl.Series("score", phq),
        ),
    ]
    return pl.concat(parts).select(
        "episode", "session", "instrument", "rater", "subscale", "score", "ended"
    )
