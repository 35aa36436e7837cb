"""Benchmark: batch scoring vs the single-response function in a loop.

Run:  python bench/scoring.py [--rows 1000000] [--loop-sample 20000]

Builds an item-level table of PHQ-9, GAD-7, WHO-5, K10 and Alliance Check answers
(about 1,000,000 rows, ~110,000 administrations, ~3% missing values) and prints:

* batch time (``score_batch``) over all rows,
* single-function loop time (``score_response`` per administration), measured on a
  sample of administrations and scaled to the full table (``--loop-sample 0`` runs
  the loop over every administration),
* a plain polars group-by sum over the same rows (the floor),
* the ratios against the targets: batch >= 20x the loop, <= 2x the group-by floor.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

from alliance.instruments import load_library
from alliance.scoring import score_batch, score_response

MIX = ("phq9", "gad7", "who5", "k10", "alliance-check")


def build(n_rows: int, seed: int = 7) -> pl.DataFrame:
    lib = load_library()
    rng = np.random.default_rng(seed)
    insts = [lib[i] for i in MIX]
    per_admin = np.mean([len(i.items) for i in insts])
    n_admin = int(n_rows / per_admin)
    which = rng.integers(0, len(insts), n_admin)
    frames = []
    next_id = 0
    for k, inst in enumerate(insts):
        admins = np.flatnonzero(which == k).astype(np.int64)
        n_items = len(inst.items)
        adm = np.repeat(admins, n_items)
        items = np.tile(np.array(inst.item_ids, dtype=object), len(admins))
        vals = np.empty(len(adm))
        for j, it in enumerate(inst.items):
            sel = slice(j, None, n_items)
            if it.kind == "vas":
                vals[sel] = rng.integers(int(it.min), int(it.max) + 1, len(admins))
            else:
                vals[sel] = rng.choice(np.array(it.answers.values, dtype=float), len(admins))
        vals[rng.random(len(vals)) < 0.03] = np.nan
        frames.append(
            pl.DataFrame(
                {
                    "administration": adm,
                    "instrument": [inst.id] * len(adm),
                    "item": items.tolist(),
                    "value": vals,
                }
            )
        )
        next_id += len(admins)
    df = pl.concat(frames).with_columns(pl.col("value").fill_nan(None))
    return df.head(n_rows) if df.height > n_rows else df


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--loop-sample", type=int, default=20_000, help="administrations for the loop (0 = all)"
    )
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    lib = load_library()
    df = build(args.rows)
    n_admin = df.get_column("administration").n_unique()
    print(f"rows: {df.height:,}  administrations: {n_admin:,}  polars {pl.__version__}")

    score_batch(df.head(1000), lib)  # warm caches
    best_batch = min(_timed(lambda: score_batch(df, lib)) for _ in range(args.repeat))
    best_floor = min(
        _timed(lambda: df.group_by("administration").agg(pl.col("value").sum()))
        for _ in range(args.repeat)
    )

    # The loop: build the per-administration dicts first (not timed), then score them.
    loop_df = df
    if args.loop_sample and args.loop_sample < n_admin:
        keep = df.get_column("administration").unique().sort().head(args.loop_sample)
        loop_df = df.filter(pl.col("administration").is_in(keep.implode()))
    responses: dict[int, tuple[str, dict[str, float | None]]] = {}
    for a, inst, item, value in loop_df.iter_rows():
        responses.setdefault(a, (inst, {}))[1][item] = value
    t0 = time.perf_counter()
    for inst_id, resp in responses.values():
        score_response(resp, lib[inst_id])
    loop_time = (time.perf_counter() - t0) * n_admin / len(responses)
    scaled = f" (scaled from {len(responses)} administrations)" if len(responses) < n_admin else ""

    print(f"batch (score_batch):          {best_batch:8.3f} s")
    print(f"loop (score_response):        {loop_time:8.3f} s{scaled}")
    print(f"floor (polars group-by sum):  {best_floor:8.3f} s")
    print(f"batch speed-up over loop:     {loop_time / best_batch:8.1f} x   (target >= 20x)")
    print(f"batch / group-by floor:       {best_batch / best_floor:8.2f} x   (target <= 2x)")


def _timed(fn) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
