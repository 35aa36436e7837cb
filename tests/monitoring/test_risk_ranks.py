"""risk_ranks (plain Python, for a caseload page) ranks exactly as risk_order (the table)."""

from __future__ import annotations

import random

import polars as pl

from alliance.monitoring import risk_order, risk_ranks
from alliance.monitoring.signals import SIGNAL_TYPES


def test_risk_ranks_equal_risk_order_on_random_caseloads():
    rng = random.Random(4)
    for _ in range(200):
        episodes = [str(rng.randint(1, 400)) for _ in range(rng.randint(0, 40))]
        open_types: dict[str, list[str]] = {}
        for episode in episodes:
            if rng.random() < 0.5:
                open_types[episode] = rng.choices(SIGNAL_TYPES, k=rng.randint(1, 4))
        rows = [(e, t) for e, types in open_types.items() for t in types]
        signals = pl.DataFrame(
            {
                "episode": [e for e, _t in rows],
                "type": [t for _e, t in rows],
                "state": ["open"] * len(rows),
            },
            schema={"episode": pl.String, "type": pl.String, "state": pl.String},
        )
        table = risk_order(signals, episodes)
        expected = {r["episode"]: (r["rank"], r["light"]) for r in table.iter_rows(named=True)}
        assert risk_ranks(open_types, episodes) == expected
