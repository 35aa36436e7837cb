"""Benchmark: every monitoring rule over a practice with 1,000,000 administrations (batch),
and one new response updating its client's signals (incremental).

    python bench/monitoring.py [n_administrations]

Targets (issue 4): batch <= 2 s and <= 3x a plain polars scan of the same table;
incremental <= 20 ms. The scan baseline reads the same Parquet file and aggregates every
column once per episode (one pass over the data).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from alliance.monitoring import monitor, monitor_episode, resolve_params
from alliance.monitoring.settings import DEFAULT_SETTINGS
from alliance.monitoring.simulate import simulate_practice


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    n_admin = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    table = simulate_practice(n_admin, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scores.parquet"
        table.write_parquet(path)
        # Warm the library look-ups once (cached thereafter, as in a running server).
        resolve_params(table["instrument"].unique().to_list(), None, DEFAULT_SETTINGS)

        def scan() -> pl.DataFrame:
            return (
                pl.scan_parquet(path)
                .group_by("episode")
                .agg(pl.col("session").max(), pl.col("score").mean(), pl.len())
                .collect()
            )

        def batch() -> pl.DataFrame:
            return monitor(pl.read_parquet(path)).signals

        t_scan = best_of(scan)
        t_batch = best_of(batch)
        result = monitor(table)
    n_ep = table["episode"].n_unique()
    print(f"table: {table.height:,} score rows, {n_admin:,} administrations, {n_ep:,} episodes")
    print(f"plain polars scan (read parquet + one group-by): {t_scan:.3f} s")
    print(
        f"all rules, batch (read parquet + monitor):      {t_batch:.3f} s  ({t_batch / t_scan:.1f}x scan)"
    )
    print(f"signals: {result.signals.height:,}  ruptures: {result.ruptures.height:,}")

    # Incremental: one client's history plus one new response, practice norms stored.
    episode = table["episode"][0]
    hist = table.filter(pl.col("episode") == episode)
    last = hist["session"].max()
    prior, new = hist.filter(pl.col("session") < last), hist.filter(pl.col("session") == last)
    norms = result.norms
    monitor_episode(prior, new, norms=norms)  # warm-up
    times = []
    for _ in range(50):
        t = time.perf_counter()
        monitor_episode(prior, new, norms=norms)
        times.append(time.perf_counter() - t)
    print(
        f"incremental (one new response, {hist.height} rows in the episode): "
        f"median {statistics.median(times) * 1000:.1f} ms, best {min(times) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
