"""Benchmark: the operating characteristics of every monitoring signal (issue 12).

    python bench/calibration.py [--clients 1000] [--seed 12]

Prints the calibration table published in docs/signals.md (per-client false alarms on clients
without an event; hits, state, delay and extra alerts on clients with one), then runs the
issue's acceptance check the way a user would: ``alliance monitor FILE.csv --json`` on a
simulated Alliance Check and WAI-SR practice (stable clients plus 4-SD dips, repaired and
not), printing the figures against the targets. Not a timed test; it prints its run time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from alliance.monitoring.calibration import DEFAULT_SEED
from alliance.monitoring.calibration import main as calibration_main
from alliance.monitoring.simulate import simulate_alliance


def acceptance(n: int, seed: int) -> None:
    """Run `alliance monitor FILE.csv --json` on simulated practices and print the targets."""
    print("\n`alliance monitor FILE.csv --json`, 12 sessions, 4-SD dips (targets in brackets)")
    for inst in ("alliance-check", "wai-sr"):
        parts = [simulate_alliance(n, instrument=inst, seed=seed, prefix="stable")]
        for rep in (True, False):
            parts.append(
                simulate_alliance(
                    n // 8,
                    instrument=inst,
                    seed=seed + 1 + rep,
                    prefix=f"dip{int(rep)}",
                    event="dip",
                    size_sd=4.0,
                    repaired=rep,
                )
            )
        scores = pl.concat([p[0] for p in parts])
        truth = pl.concat([p[1] for p in parts])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "scores.csv"
            scores.write_csv(path)
            out = subprocess.run(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "alliance", "monitor", str(path), "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        ruptures: dict[str, list[dict]] = {}
        for s in json.loads(out):
            if s["type"] == "rupture":
                ruptures.setdefault(s["episode"], []).append(s)
        stable = truth.filter(pl.col("event") == "none")["episode"].to_list()
        fa = sum(1 for e in stable if e in ruptures) / len(stable)
        hits = state = one = 0
        dips = truth.filter(pl.col("event") == "dip")
        for t in dips.iter_rows(named=True):
            mine = ruptures.get(t["episode"], [])
            at = [s for s in mine if s["session"] == t["event_session"]]
            if at:
                hits += 1
                state += at[0]["state"] == ("repaired" if t["repaired"] else "unrepaired")
                one += sum(s["session"] >= t["event_session"] for s in mine) == 1
        print(
            f"  {inst}: stable clients with a rupture alert {fa:.1%} [<= 5%]; "
            f"4-SD dips found at their session {hits / dips.height:.1%} [>= 80%]; "
            f"state right {state / max(hits, 1):.1%} [>= 80%]; "
            f"one alert per event {one / max(hits, 1):.1%}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    t = time.perf_counter()
    calibration_main(["--clients", str(args.clients), "--seed", str(args.seed)])
    acceptance(args.clients, args.seed)
    print(f"\nrun time {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
