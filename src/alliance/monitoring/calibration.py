"""Calibration of the not-on-track rule by simulation.

Run ``python -m alliance.monitoring.calibration`` to print the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import polars as pl

from alliance.monitoring.expected import (
    fit_recovery_model,
    nominal_false_alarm_rate,
    not_on_track_flags,
)
from alliance.monitoring.scales import scale_params
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.simulate import simulate_outcomes
from alliance.monitoring.tidy import prepare_scores

FIXED_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Calibration:
    """Simulated false-alarm and hit rates of the not-on-track rule (proportions)."""

    nominal: float
    n_train: int
    n_test: int
    false_alarm_rate: float
    false_alarm_clients: float
    hit_rate: float
    hit_clients: float
    hit_clients_by_session_4: float
    stalled_hit_rate: float
    stalled_hit_clients: float
    rational_false_alarm_rate: float
    rational_hit_clients: float


def _rates(flags: pl.DataFrame) -> tuple[float, float, float]:
    later = flags.filter(pl.col("t") >= 2)
    per_admin = float(later["off_track"].mean())
    per_client = later.group_by("episode").agg(pl.col("off_track").any())["off_track"].mean()
    by4 = (
        later.filter(pl.col("t") <= 4)
        .group_by("episode")
        .agg(pl.col("off_track").any())["off_track"]
        .mean()
    )
    return per_admin, float(per_client), float(by4)


def calibrate(
    n_train: int = 800,
    n_test: int = 1000,
    n_sessions: int = 12,
    seed: int = 1,
    settings: MonitoringSettings = DEFAULT_SETTINGS,
) -> Calibration:
    """Fit the corridor on simulated completed episodes; measure alarms on fresh clients."""
    params = scale_params(["phq9"])
    train = prepare_scores(
        simulate_outcomes(n_train, n_sessions=n_sessions, seed=seed, prefix="train"), params
    )
    model = fit_recovery_model(train, params, "phq9", settings, fitted_at=FIXED_TIME)
    if model is None:
        raise RuntimeError("not enough simulated episodes to fit")
    on = prepare_scores(
        simulate_outcomes(n_test, n_sessions=n_sessions, seed=seed + 1, prefix="on", ended=False),
        params,
    )
    bad = prepare_scores(
        simulate_outcomes(
            n_test,
            n_sessions=n_sessions,
            seed=seed + 2,
            kind="deteriorating",
            prefix="bad",
            ended=False,
        ),
        params,
    )
    stalled = prepare_scores(
        simulate_outcomes(
            n_test, n_sessions=n_sessions, seed=seed + 3, kind="stalled", prefix="flat", ended=False
        ),
        params,
    )
    models = {"phq9": model}
    st, st_clients, _ = _rates(not_on_track_flags(stalled, params, settings, models))
    fa, fa_clients, _ = _rates(not_on_track_flags(on, params, settings, models))
    hit, hit_clients, hit4 = _rates(not_on_track_flags(bad, params, settings, models))
    rfa, _, _ = _rates(not_on_track_flags(on, params, settings, None))
    _, rhit, _ = _rates(not_on_track_flags(bad, params, settings, None))
    return Calibration(
        nominal=nominal_false_alarm_rate(settings),
        n_train=n_train,
        n_test=n_test,
        false_alarm_rate=fa,
        false_alarm_clients=fa_clients,
        hit_rate=hit,
        hit_clients=hit_clients,
        hit_clients_by_session_4=hit4,
        stalled_hit_rate=st,
        stalled_hit_clients=st_clients,
        rational_false_alarm_rate=rfa,
        rational_hit_clients=rhit,
    )


def main(seeds: tuple[int, ...] = (1, 2, 3, 4, 5)) -> None:
    """Print the calibration figures for several simulation seeds and their mean."""
    runs = [calibrate(seed=seed) for seed in seeds]
    print("not-on-track calibration: simulated PHQ-9-like trajectories, 12 sessions,")
    print(
        f"corridor fitted on {runs[0].n_train} completed episodes, tested on {runs[0].n_test} new clients"
    )
    print("per administration from session 2; 'clients' = flagged at least once\n")
    names = [f for f in asdict(runs[0]) if isinstance(getattr(runs[0], f), float)]
    print(f"{'seed':>28s} " + " ".join(f"{s:>7d}" for s in seeds) + "     mean")
    for name in names:
        values = [getattr(r, name) for r in runs]
        print(
            f"{name:>28s} "
            + " ".join(f"{v:7.3f}" for v in values)
            + f"  {sum(values) / len(values):7.3f}"
        )


if __name__ == "__main__":
    main()
