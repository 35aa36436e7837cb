"""Simulated practice data in the tidy input format, for demos, tests and benchmarks.

The numbers are synthetic (no real client is behind them): WAI-SR-style alliance items
(``wai-sr``: 12 items, 1-5, goal/task/bond subscales of 4), optionally Alliance Check
items (``alliance-check``: items 1-4, 0-10) and PHQ-9-style symptom items (``phq9``: 9
items, 0-3) at each session, using the instrument ids of ``alliance.instruments``, with a person-level alliance that improves symptoms between
persons and a within-person alliance effect on the next session's symptoms.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["WAI_SUBSCALES", "simulate_tidy"]

#: WAI-SR item numbers per subscale (Hatcher & Gillaspy 2006)
WAI_SUBSCALES = {"task": [1, 2, 10, 12], "bond": [3, 5, 7, 9], "goal": [4, 6, 8, 11]}


def simulate_tidy(
    n_clients: int = 120,
    *,
    seed: int = 20240601,
    max_sessions: int = 10,
    consent_rate: float = 0.9,
    miss_rate: float = 0.15,
    alliance_check: bool = False,
) -> pd.DataFrame:
    """Simulate a tidy frame (``alliance.research.datasets.TIDY_COLUMNS``)."""
    rng = np.random.default_rng(seed)
    start0 = dt.date(2024, 1, 8)
    services = ["counselling", "coaching", "cbt"]
    formats = ["in_person", "video", "phone"]
    rows = []
    wai_items = sorted(i for items in WAI_SUBSCALES.values() for i in items)
    for c in range(n_clients):
        consent = bool(rng.random() < consent_rate)
        start = start0 + dt.timedelta(days=int(rng.integers(0, 300)))
        service = services[int(rng.integers(0, 3))]
        mandated = bool(rng.random() < 0.1)
        practitioner = f"prac-{int(rng.integers(1, 9))}"
        trait = rng.normal(0, 0.5)
        sym0 = rng.normal(14, 4)
        n_sessions = int(rng.integers(4, max_sessions + 1))
        state_prev = 0.0
        date = start
        for s in range(1, n_sessions + 1):
            date = date + dt.timedelta(days=int(rng.integers(6, 15)))
            if s > 1 and rng.random() < miss_rate:
                continue
            state = 0.4 * state_prev + rng.normal(0, 0.35)
            level = 3.6 + 0.05 * s + trait + state
            symptoms = sym0 - 0.6 * s - 3.0 * trait - 1.5 * state_prev + rng.normal(0, 2)
            state_prev = state
            phase = "engagement" if s <= 2 else ("assessment" if s <= 3 else "working")
            if s == n_sessions:
                phase = "ending"
            common = {
                "client_key": f"CL-{c:05d}",
                "episode_key": f"EP-{c:05d}",
                "practitioner_key": practitioner,
                "episode_start": start,
                "session_number": s,
                "session_date": date,
                "service": service,
                "format": formats[int(rng.integers(0, 3))],
                "interpreter_present": bool(rng.random() < 0.05),
                "mandated": mandated,
                "phase": phase,
                "research_consent": consent,
            }
            wai = {i: float(np.clip(np.round(level + rng.normal(0, 0.6)), 1, 5)) for i in wai_items}
            subs = {
                f"score_{name}": float(sum(wai[i] for i in items))
                for name, items in WAI_SUBSCALES.items()
            }
            total = float(sum(wai.values()))
            for i in wai_items:
                rows.append(
                    {
                        **common,
                        "instrument": "wai-sr",
                        "item": str(i),
                        "value": wai[i],
                        "score": total,
                        **subs,
                    }
                )
            if alliance_check:
                check = np.clip(np.round(2.5 * (level - 1) + rng.normal(0, 1.0, 4)), 0, 10)
                for i, v in enumerate(check, start=1):
                    rows.append(
                        {
                            **common,
                            "instrument": "alliance-check",
                            "item": str(i),
                            "value": float(v),
                            "score": float(check.mean()),
                        }
                    )
            per_item = np.clip(symptoms / 9 + rng.normal(0, 0.5, 9), 0, 3).round()
            for i, v in enumerate(per_item, start=1):
                rows.append(
                    {
                        **common,
                        "instrument": "phq9",
                        "item": str(i),
                        "value": float(v),
                        "score": float(per_item.sum()),
                    }
                )
    frame = pd.DataFrame(rows)
    for sub in WAI_SUBSCALES:
        col = f"score_{sub}"
        if col not in frame:
            frame[col] = np.nan
    return frame
