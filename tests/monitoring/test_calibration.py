"""Issue 12 targets, asserted on small fixed-seed simulations with the default settings.

The full table (1000 clients per scenario) comes from ``python -m alliance.monitoring.calibration``
and is published in docs/signals.md.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from alliance.cli import app as alliance_app
from alliance.monitoring import monitor
from alliance.monitoring.calibration import Row, calibrate, other_signal_table, rupture_figures
from alliance.monitoring.simulate import simulate_alliance

from .helpers import AC, frame, series

SEED = 12


def _practice(instrument: str, n_stable: int, n_event: int, seed: int, **event):
    stable, t0 = simulate_alliance(n_stable, instrument=instrument, seed=seed, prefix="stable")
    parts, truths = [stable], [t0]
    for repaired in (True, False):
        ev, t1 = simulate_alliance(
            n_event,
            instrument=instrument,
            seed=seed + 1 + repaired,
            prefix=f"dip{int(repaired)}",
            event="dip",
            size_sd=4.0,
            repaired=repaired,
            **event,
        )
        parts.append(ev)
        truths.append(t1)
    return pl.concat(parts), pl.concat(truths)


def _figures_from_signals(signals: list[dict], truth: pl.DataFrame) -> dict[str, float]:
    """Per-client figures from ``alliance monitor --json`` output (what a user checks)."""
    ruptures = [s for s in signals if s["type"] == "rupture"]
    by_ep: dict[str, list[dict]] = {}
    for s in ruptures:
        by_ep.setdefault(s["episode"], []).append(s)
    stable = truth.filter(pl.col("event") == "none")["episode"].to_list()
    fa = sum(1 for e in stable if by_ep.get(e)) / len(stable)
    events = truth.filter(pl.col("event") == "dip").iter_rows(named=True)
    n = hit = state_ok = one_alert = 0
    for t in events:
        n += 1
        at = [s for s in by_ep.get(t["episode"], []) if s["session"] == t["event_session"]]
        if not at:
            continue
        hit += 1
        want = "repaired" if t["repaired"] else "unrepaired"
        state_ok += at[0]["state"] == want
        later = [s for s in by_ep[t["episode"]] if s["session"] >= t["event_session"]]
        one_alert += len(later) == 1
    return {
        "false_alarm": fa,
        "hit": hit / n,
        "state_right": state_ok / hit,
        "one_alert": one_alert / hit,
    }


@pytest.mark.parametrize("instrument", ["alliance-check", "wai-sr"])
def test_rupture_targets_through_alliance_monitor_json(tmp_path, instrument):
    scores, truth = _practice(instrument, 1000, 150, SEED)
    path = tmp_path / "scores.csv"
    scores.write_csv(path)
    out = CliRunner().invoke(alliance_app, ["monitor", str(path), "--json"])
    assert out.exit_code == 0, out.output
    f = _figures_from_signals(json.loads(out.stdout), truth)
    print(instrument, f)
    assert f["false_alarm"] <= 0.05  # at most 5% of stable clients get a rupture alert
    assert f["hit"] >= 0.80  # a 4-SD dip is found at the dip's session
    assert f["state_right"] >= 0.80  # repaired / unrepaired right
    assert f["one_alert"] >= 0.97  # one true event, one alert (the rest: later noise)


def test_rupture_targets_in_a_subprocess(tmp_path):
    scores, truth = _practice("alliance-check", 1000, 150, SEED + 100)
    path = tmp_path / "scores.csv"
    scores.write_csv(path)
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "alliance", "monitor", str(path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    f = _figures_from_signals(json.loads(done.stdout), truth)
    print(f)
    assert f["false_alarm"] <= 0.05 and f["hit"] >= 0.80 and f["state_right"] >= 0.80


def test_literature_labels_fire_on_noise_and_are_measured_beside_the_alert():
    scores, truth = _practice("alliance-check", 1000, 150, SEED)
    figs = rupture_figures(scores, truth)
    print(figs)
    assert figs["alert"]["false_alarm"] <= 0.05
    # the 1-SD criterion run as an alert flags most stable clients (the 85-98%);
    # the 2-SD one more than the calibrated alert
    assert figs["statistical_1sd"]["false_alarm"] > 0.5
    assert figs["statistical_2sd"]["false_alarm"] > figs["alert"]["false_alarm"]


def test_a_rupture_at_session_5_recovering_by_7_is_one_alert():
    # The example: a real rupture at 5 that recovers by 7 gave a statistical alert
    # at 5 and a gradual decline at 6.
    rows = series("e", [8, 8.25, 8, 8.25, 5.5, 6.5, 8, 8.25])
    sig = monitor(frame(rows)).signals.filter(pl.col("type") == "rupture")
    assert sig["session"].to_list() == [5]
    assert sig["state"].to_list() == ["repaired"]
    ev = json.loads(sig["evidence"][0])
    assert ev["repair_session"] == 7
    assert sig["severity"].to_list() == ["info"]
    # a client who stays low after the dip is one unrepaired alert, not one per session
    low = series("e", [8, 8.25, 8, 8.25, 5.5, 5.25, 5.5, 5.25, 5.5])
    sig = monitor(frame(low)).signals.filter(pl.col("type") == "rupture")
    assert sig["session"].to_list() == [5] and sig["state"].to_list() == ["unrepaired"]
    # ... which still needs the practitioner: it keeps the rupture's severity, unlike the
    # repaired one above
    assert sig["severity"].to_list() == ["high"]


def test_the_clients_own_report_always_surfaces_as_its_own_alert():
    # no score movement at all: the tension report alone is an alert
    rows = series("e", [8, 8, 8, 8, 8, 8]) + [
        {"episode": "e", "session": 6, "instrument": AC, "subscale": "tension", "score": 1.0}
    ]
    sig = monitor(frame(rows)).signals.filter(pl.col("type") == "rupture")
    assert sig["session"].to_list() == [6] and sig["method"].to_list() == ["self_report"]
    # during an unrepaired score rupture a later report is a new alert, not hidden in it
    rows = series("e", [8, 8.25, 8, 8.25, 5.5, 5.25, 5.5]) + [
        {"episode": "e", "session": 7, "instrument": AC, "subscale": "tension", "score": 1.0}
    ]
    sig = monitor(frame(rows)).signals.filter(pl.col("type") == "rupture")
    assert sig["session"].to_list() == [5, 7]


def test_not_on_track_targets():
    c = calibrate(n_train=800, n_test=600, seed=SEED)
    assert c.false_alarm_clients <= 0.10  # on-track clients flagged at any time
    assert c.hit_clients_by_session_4 >= 0.85  # deteriorating clients flagged by session 4
    assert c.rational_false_alarm_clients <= 0.10


def test_other_signals_are_measured():
    rows = other_signal_table(n=200, seed=SEED)
    assert all(isinstance(r, Row) for r in rows)
    names = {r.signal for r in rows}
    assert {"low alliance", "early alliance", "disagreement", "missing checks"} <= names
    low_fa = [r for r in rows if r.signal == "low alliance" and "cut-off + 1" in r.scenario]
    assert all(r.rate <= 0.10 for r in low_fa)
