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


# --------------------------------------------------------------------------- alliance episodes

ALLIANCE_SIMULATION: dict[str, dict[str, float]] = {
    # level: between-client mean and SD of the true alliance; noise: within-client SD;
    # growth: rise of the true alliance over an episode (points, saturating), a quarter of
    # the between-client SD: the alliance grows modestly over treatment.
    "alliance-check": {
        "min": 0,
        "max": 10,
        "level": 7.5,
        "level_sd": 1.2,
        "noise": 0.6,
        "growth": 0.3,
        "practitioner_gap": 0.5,
        "practitioner_noise": 0.8,
    },
    "wai-sr": {
        "min": 12,
        "max": 60,
        "level": 46.0,
        "level_sd": 7.0,
        "noise": 3.0,
        "growth": 1.75,
        "practitioner_gap": 2.0,
        "practitioner_noise": 4.0,
    },
    "sai": {
        "min": 0,
        "max": 5,
        "level": 3.6,
        "level_sd": 0.6,
        "noise": 0.3,
        "growth": 0.3,
        "practitioner_gap": 0.2,
        "practitioner_noise": 0.4,
    },
}
"""Parameters of :func:`simulate_alliance` per instrument. The within-client noise is the
SEM-derived figure of the issue's user test (WAI-SR 3 points, Alliance Check 0.6); the
SAI figures scale the Alliance Check's to its 0-5 range."""


def simulate_alliance(
    n_episodes: int,
    *,
    instrument: str = "alliance-check",
    sessions: int | tuple[int, int] = 12,
    event: str = "none",
    size_sd: float = 4.0,
    repaired: bool = True,
    decline_sessions: int = 4,
    missed: float = 0.1,
    seed: int = 0,
    prefix: str = "sim",
    practitioner: bool = False,
    ended: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (tidy alliance scores, truth) for simulated episodes of one instrument.

    True alliance of client i at session t: level_i + growth * (1 - exp(-(t - 1) / 6))
    (slow growth), level_i ~ N(level, level_sd); observed score
    = true + N(0, noise), rounded to the instrument's resolution (0.25 on the Alliance
    Check's 4-item mean, whole points on the WAI-SR sum, 1/6 on the SAI mean) and clipped
    to the range, which gives the ceiling effect. Each session after the first is missed
    with probability ``missed`` (session numbers keep counting). ``sessions`` is a number
    or a (low, high) range drawn per client.

    ``event``: ``none`` (stable), ``dip`` (a sudden drop of ``size_sd`` noise SDs at one
    session between 5 and n - 3; with ``repaired`` the alliance is back at the next
    session, otherwise it stays down) or ``decline`` (a drop of ``size_sd`` noise SDs
    spread linearly over ``decline_sessions`` sessions and kept). ``truth`` has one row per
    episode: episode, event, event_session (the dip's session or the decline's last
    session), size_sd, repaired, n_sessions, level.
    """
    if instrument not in ALLIANCE_SIMULATION:
        raise ValueError(f"no simulation parameters for {instrument!r}")
    if event not in ("none", "dip", "decline"):
        raise ValueError("event must be none, dip or decline")
    p = ALLIANCE_SIMULATION[instrument]
    rng = np.random.default_rng(seed)
    lo, hi = (sessions, sessions) if isinstance(sessions, int) else sessions
    n_ses = rng.integers(lo, hi + 1, n_episodes)
    width = int(n_ses.max())
    t = np.arange(1, width + 1, dtype=float)
    level = rng.normal(p["level"], p["level_sd"], n_episodes)
    true = level[:, None] + p["growth"] * (1 - np.exp(-(t[None, :] - 1) / 6.0))
    event_session = np.zeros(n_episodes, dtype=np.int64)
    drop = size_sd * p["noise"]
    if event == "dip":
        event_session = rng.integers(5, np.maximum(n_ses - 3, 5) + 1)
        idx = event_session - 1
        rows = np.arange(n_episodes)
        if repaired:
            true[rows, idx] -= drop
        else:
            true -= drop * (t[None, :] >= event_session[:, None])
    elif event == "decline":
        last = rng.integers(
            5 + decline_sessions - 1, np.maximum(n_ses - 2, 5 + decline_sessions - 1) + 1
        )
        first = last - decline_sessions + 1
        frac = np.clip((t[None, :] - first[:, None] + 1) / decline_sessions, 0, 1)
        true -= drop * frac
        event_session = last
    score = true + rng.normal(0, p["noise"], true.shape)
    step = {"alliance-check": 0.25, "wai-sr": 1.0, "sai": 1 / 6}[instrument]
    score = np.clip(np.round(score / step) * step, p["min"], p["max"])
    present = (rng.random(true.shape) >= missed) | (t[None, :] == 1)
    if event != "none":
        # The event's sessions are attended (a missed dip cannot be found by any rule).
        present[np.arange(n_episodes), event_session - 1] = True
    present &= t[None, :] <= n_ses[:, None]
    ep_idx, ses_idx = np.nonzero(present)
    names = np.array([f"{prefix}-{i}" for i in range(n_episodes)])
    parts = [
        pl.DataFrame(
            {
                "episode": names[ep_idx],
                "session": (ses_idx + 1).astype(np.int64),
                "instrument": instrument,
                "rater": "client",
                "subscale": "total",
                "score": score[ep_idx, ses_idx],
                "ended": ended,
            }
        )
    ]
    if practitioner:
        prac = true - p["practitioner_gap"] + rng.normal(0, p["practitioner_noise"], true.shape)
        prac = np.clip(np.round(prac / step) * step, p["min"], p["max"])
        parts.append(
            pl.DataFrame(
                {
                    "episode": names[ep_idx],
                    "session": (ses_idx + 1).astype(np.int64),
                    "instrument": f"{instrument}-practitioner"
                    if instrument == "alliance-check"
                    else instrument,
                    "rater": "practitioner",
                    "subscale": "total",
                    "score": prac[ep_idx, ses_idx],
                    "ended": ended,
                }
            )
        )
    truth = pl.DataFrame(
        {
            "episode": names,
            "event": event,
            "event_session": event_session if event != "none" else np.zeros(n_episodes, np.int64),
            "size_sd": size_sd if event != "none" else 0.0,
            "repaired": repaired if event == "dip" else False,
            "n_sessions": n_ses.astype(np.int64),
            "level": level,
        }
    )
    return pl.concat(parts), truth
