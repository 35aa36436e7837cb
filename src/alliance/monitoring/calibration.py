"""Operating characteristics of every signal, measured by simulation (rupture-rules.md).

Run ``python -m alliance.monitoring.calibration [--clients N] [--seed S]`` to print the
table published in docs/signals.md. Every figure is per client and per episode:

- false alarms: the share of clients without a true event who get at least one signal of
  the type over the episode (not the per-administration rate);
- hits: the share of clients with a true event whose event is found (ruptures: an alert at
  the dip's session; declines: an alert by the decline's last session + 1; not on track:
  flagged by session 4), and for dips the share of those whose state (repaired or
  unrepaired) is right;
- delay: mean sessions from the event to the signal; extra: signals per event beyond one.

Each scenario is one simulated practice (:func:`alliance.monitoring.simulate.simulate_alliance`)
of stable clients plus clients with the event, run through :func:`alliance.monitoring.monitor`
with the default settings, so the practice's own noise estimate and norms are in play as in
production. The literature's 1-SD and 2-SD labels are measured beside the alert defaults.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from typing import TypedDict, Unpack

import polars as pl

from alliance.monitoring.engine import monitor
from alliance.monitoring.expected import (
    fit_recovery_model,
    nominal_false_alarm_rate,
    not_on_track_flags,
)
from alliance.monitoring.rules import missing_checks
from alliance.monitoring.ruptures import rule_name
from alliance.monitoring.scales import scale_params
from alliance.monitoring.settings import DEFAULT_SETTINGS, MonitoringSettings
from alliance.monitoring.simulate import simulate_alliance, simulate_outcomes
from alliance.monitoring.tidy import as_float, prepare_checks, prepare_scores

FIXED_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ALLIANCE_INSTRUMENTS = ("alliance-check", "wai-sr", "sai")
DEFAULT_SEED = 12


@dataclass(frozen=True)
class Row:
    """One line of the table: a signal (or label) on one instrument in one scenario."""

    signal: str
    instrument: str
    scenario: str
    clients: int
    rate: float
    state_right: float | None = None
    delay: float | None = None
    extra: float | None = None

    def fmt(self) -> str:
        def f(v: float | None, pct: bool = True) -> str:
            if v is None:
                return "-"
            return f"{100 * v:.1f}%" if pct else f"{v:.2f}"

        return (
            f"| {self.signal} | {self.instrument} | {self.scenario} | {self.clients} | "
            f"{f(self.rate)} | {f(self.state_right)} | {f(self.delay, False)} | "
            f"{f(self.extra, False)} |"
        )


# --------------------------------------------------------------------------- ruptures


class Event(TypedDict, total=False):
    """The event options of :func:`simulate_alliance` that a rupture scenario sets."""

    event: str
    size_sd: float
    repaired: bool
    decline_sessions: int


def _practice(
    instrument: str, n: int, seed: int, sessions: int | tuple[int, int], **event: Unpack[Event]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Stable clients plus ``n // 4`` clients with the event (a practice with some ruptures)."""
    stable, t0 = simulate_alliance(
        n, instrument=instrument, sessions=sessions, seed=seed, prefix="stable"
    )
    if not event:
        return stable, t0
    ev, t1 = simulate_alliance(
        max(n // 4, 1),
        instrument=instrument,
        sessions=sessions,
        seed=seed + 1,
        prefix="ev",
        **event,
    )
    return pl.concat([stable, ev]), pl.concat([t0, t1])


def rupture_figures(
    scores: pl.DataFrame, truth: pl.DataFrame, settings: MonitoringSettings = DEFAULT_SETTINGS
) -> dict[str, dict[str, float]]:
    """Return per-client figures of the rupture alert and the literature labels.

    Keys: ``alert`` (the inbox alert), ``statistical_1sd``/``statistical_2sd`` and
    ``sharp_drop`` (labels, each as if it alerted alone). Each maps to ``false_alarm`` (stable
    clients with at least one), ``hit`` (event clients with one at the event's session, or
    for declines between its first session and one after its last), ``state_right`` (dips:
    state right among hits), ``delay`` and ``extra`` (alerts beyond one from the event on).
    """
    result = monitor(scores, settings=settings, with_counts=False)
    alerts = result.signals.filter(pl.col("type") == "rupture").select(
        "episode", "session", "state"
    )
    out = {"alert": _score(alerts, truth)}
    for label in ("sharp_drop", rule_name(settings.k_lenient), rule_name(settings.k_research)):
        lab = result.ruptures.filter(pl.col("rule") == label).select(
            "episode", pl.col("begin_session").alias("session"), "state"
        )
        out[label] = _score(lab, truth)
    return out


def _score(found: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    j = truth.join(found, on="episode", how="left")
    stable = truth.filter(pl.col("event") == "none")
    fa_eps = (
        j.filter((pl.col("event") == "none") & pl.col("session").is_not_null())["episode"]
        .unique()
        .len()
    )
    figures: dict[str, float] = {
        "false_alarm": fa_eps / stable.height if stable.height else float("nan")
    }
    events = truth.filter(pl.col("event") != "none")
    if events.height == 0:
        return figures
    kind = events["event"][0]
    ej = j.filter(pl.col("event") != "none")
    if kind == "dip":
        window = (pl.col("session") == pl.col("event_session")).fill_null(False)
    else:
        first = pl.col("event_session") - 3  # a decline's first dropping session or later
        window = pl.col("session").is_between(first, pl.col("event_session") + 1).fill_null(False)
    hits = (
        ej.filter(window)
        .group_by("episode")
        .agg(
            pl.col("session").min(),
            pl.col("state").first(),
            pl.col("event_session").first(),
            pl.col("repaired").first(),
        )
    )
    figures["hit"] = hits.height / events.height
    if kind == "dip" and hits.height:
        want = pl.when(pl.col("repaired")).then(pl.lit("repaired")).otherwise(pl.lit("unrepaired"))
        figures["state_right"] = as_float((hits["state"] == hits.select(want).to_series()).mean())
    if hits.height:
        figures["delay"] = as_float((hits["session"] - hits["event_session"]).mean())
    after = ej.filter(pl.col("session") >= pl.col("event_session") - 3).group_by("episode").len()
    figures["extra"] = float((after["len"] - 1).clip(lower_bound=0).sum() / events.height)
    return figures


RUPTURE_SCENARIOS: tuple[tuple[str, Event], ...] = (
    ("stable", Event()),
    *(
        (
            f"dip {k} SD {'repaired' if r else 'unrepaired'}",
            Event(event="dip", size_sd=k, repaired=r),
        )
        for k in (2.0, 3.0, 4.0)
        for r in (True, False)
    ),
    *(
        (f"decline 4 SD over {m}", Event(event="decline", size_sd=4.0, decline_sessions=m))
        for m in (3, 6)
    ),
)


def rupture_table(
    n: int = 1000,
    seed: int = DEFAULT_SEED,
    sessions: int | tuple[int, int] = 12,
    instruments: tuple[str, ...] = ALLIANCE_INSTRUMENTS,
    settings: MonitoringSettings = DEFAULT_SETTINGS,
) -> list[Row]:
    """Return the rupture rows of the table for every instrument and scenario."""
    rows: list[Row] = []
    for inst in instruments:
        for i, (name, event) in enumerate(RUPTURE_SCENARIOS):
            scores, truth = _practice(inst, n, seed + 10 * i, sessions, **event)
            figs = rupture_figures(scores, truth, settings)
            n_ev = truth.filter(pl.col("event") != "none").height
            for signal, f in figs.items():
                if name == "stable":
                    rows.append(Row(signal, inst, "stable: false alarms", n, f["false_alarm"]))
                    if signal == "alert":
                        # Episodes of realistic, varying length (6-20 sessions).
                        s2, t2 = _practice(inst, n, seed + 7, (6, 20))
                        fa = rupture_figures(s2, t2, settings)["alert"]["false_alarm"]
                        rows.append(Row(signal, inst, "stable, 6-20 sessions: false alarms", n, fa))
                elif signal == "alert" or name.startswith("dip 4"):
                    rows.append(
                        Row(
                            signal,
                            inst,
                            name,
                            n_ev,
                            f.get("hit", 0.0),
                            f.get("state_right"),
                            f.get("delay"),
                            f.get("extra"),
                        )
                    )
    return rows


# --------------------------------------------------------------------------- other signals


def other_signal_table(
    n: int = 1000, seed: int = DEFAULT_SEED, settings: MonitoringSettings = DEFAULT_SETTINGS
) -> list[Row]:
    """Return rows for low alliance, early alliance, disagreement and missing checks."""
    rows: list[Row] = []
    for inst in ("alliance-check", "wai-sr"):
        scores, truth = simulate_alliance(
            n, instrument=inst, seed=seed, prefix="c", practitioner=True
        )
        sig = monitor(scores, settings=settings, with_counts=False).signals
        params = scale_params([inst])[inst]
        low, noise = params.low_cutoff, params.noise_sd
        if low is None or noise is None:
            raise ValueError(f"{inst} has no low cut-off or noise SD to calibrate against")
        low_true = truth.filter(pl.col("level") < low)["episode"]
        fine = truth.filter(pl.col("level") >= low + 1.0 * noise)["episode"]
        for typ, label in (("low_alliance", "low alliance"), ("early_alliance", "early alliance")):
            s = sig.filter(pl.col("type") == typ)
            alert = s.filter(pl.col("severity") != "info") if typ == "early_alliance" else s
            eps = set(alert.filter(pl.col("state") == "open")["episode"]) | set(
                alert.filter(pl.col("state") != "open")["episode"]
            )
            if typ == "early_alliance":
                eps = set(s.filter(~pl.col("method").eq("practice_percentile"))["episode"])
                info = set(s.filter(pl.col("method") == "practice_percentile")["episode"])
                rows.append(
                    Row(
                        "early alliance (information: practice lowest quarter)",
                        inst,
                        "all clients flagged",
                        n,
                        len(info | eps) / n,
                    )
                )
            fa = len(eps & set(fine)) / max(len(fine), 1)
            rows.append(
                Row(label, inst, "true level >= cut-off + 1 noise SD: flagged", len(fine), fa)
            )
            if len(low_true):
                rows.append(
                    Row(
                        label,
                        inst,
                        "true level below cut-off: flagged",
                        len(low_true),
                        len(eps & set(low_true)) / len(low_true),
                    )
                )
        dis = sig.filter(pl.col("type") == "disagreement")["episode"].n_unique()
        rows.append(Row("disagreement", inst, "usual rater gap: clients flagged", n, dis / n))
    rows.extend(_missing_rows(n, seed, settings))
    return rows


def _missing_rows(n: int, seed: int, settings: MonitoringSettings) -> list[Row]:
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for p in (0.1, 0.2):
        answered = rng.random((n, 12)) >= p
        checks = pl.DataFrame(
            {
                "episode": np.repeat([f"m{i}" for i in range(n)], 12),
                "session": np.tile(np.arange(1, 13), n),
                "sent": True,
                "answered": answered.ravel(),
            }
        )
        sig = missing_checks(prepare_checks(checks), settings)
        out.append(
            Row(
                "missing checks",
                "-",
                f"each check missed at random with p = {p:g}: clients flagged",
                n,
                sig["episode"].n_unique() / n,
            )
        )
    return out


# --------------------------------------------------------------------------- not on track


@dataclass(frozen=True)
class Calibration:
    """Simulated false-alarm and hit rates of the not-on-track rule (proportions).

    ``false_alarm_rate`` is per administration; ``false_alarm_clients`` the share of on-track
    clients flagged at least once; ``hit_clients_by_session_4`` the share of deteriorating
    clients flagged at session 4 or earlier.
    """

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
    rational_false_alarm_clients: float
    rational_hit_clients: float


def _rates(flags: pl.DataFrame) -> tuple[float, float, float]:
    later = flags.filter(pl.col("t") >= 2)
    per_admin = as_float(later["off_track"].mean())
    per_client = later.group_by("episode").agg(pl.col("off_track").any())["off_track"].mean()
    by4 = (
        later.filter(pl.col("t") <= 4)
        .group_by("episode")
        .agg(pl.col("off_track").any())["off_track"]
        .mean()
    )
    return per_admin, as_float(per_client), as_float(by4)


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

    def sim(kind: str, offset: int, prefix: str) -> pl.DataFrame:
        return prepare_scores(
            simulate_outcomes(
                n_test,
                n_sessions=n_sessions,
                seed=seed + offset,
                kind=kind,
                prefix=prefix,
                ended=False,
            ),
            params,
        )

    on, bad, stalled = (
        sim("on_track", 1, "on"),
        sim("deteriorating", 2, "bad"),
        sim("stalled", 3, "flat"),
    )
    models = {"phq9": model}
    st, st_clients, _ = _rates(not_on_track_flags(stalled, params, settings, models))
    fa, fa_clients, _ = _rates(not_on_track_flags(on, params, settings, models))
    hit, hit_clients, hit4 = _rates(not_on_track_flags(bad, params, settings, models))
    rfa, rfa_clients, _ = _rates(not_on_track_flags(on, params, settings, None))
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
        rational_false_alarm_clients=rfa_clients,
        rational_hit_clients=rhit,
    )


def not_on_track_rows(n: int = 1000, seed: int = DEFAULT_SEED) -> list[Row]:
    """Return the not-on-track rows of the table (PHQ-9-like outcome trajectories)."""
    c = calibrate(n_train=800, n_test=n, seed=seed)
    return [
        Row(
            "not on track (fitted corridor)",
            "phq9",
            "on track: flagged at any time",
            n,
            c.false_alarm_clients,
        ),
        Row(
            "not on track (fitted corridor)",
            "phq9",
            "deteriorating: flagged by session 4",
            n,
            c.hit_clients_by_session_4,
        ),
        Row(
            "not on track (fitted corridor)",
            "phq9",
            "stalled: flagged at any time",
            n,
            c.stalled_hit_clients,
        ),
        Row(
            "not on track (rational rule, no fit yet)",
            "phq9",
            "on track: flagged at any time",
            n,
            c.rational_false_alarm_clients,
        ),
        Row(
            "not on track (rational rule, no fit yet)",
            "phq9",
            "deteriorating: flagged at any time",
            n,
            c.rational_hit_clients,
        ),
    ]


def table(n: int = 1000, seed: int = DEFAULT_SEED) -> list[Row]:
    """Return every row of the calibration table."""
    return rupture_table(n, seed) + not_on_track_rows(n, seed) + other_signal_table(n, seed)


def main(argv: list[str] | None = None) -> None:
    """Print the calibration table (Markdown) for the default settings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=1000, help="stable clients per scenario")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    print(
        f"Calibration, default settings, 12-session episodes, seed {args.seed}, "
        f"{args.clients} stable clients (+{args.clients // 4} with the event) per scenario\n"
    )
    print("| signal | instrument | scenario | clients | rate | state right | delay | extra |")
    print("|---|---|---|---|---|---|---|---|")
    for row in table(args.clients, args.seed):
        print(row.fmt())


if __name__ == "__main__":
    main()
