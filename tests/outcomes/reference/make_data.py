"""Write effects_data.csv: a simulated practice (seed 15) for the lme4 comparison.

One row per completed episode: practitioner, intake PHQ-9 (start), end PHQ-9 (end),
session-3 alliance (alliance) and age. Run from the repository root:

    python tests/outcomes/reference/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(15)
rows = []
for p in range(12):
    n = int(rng.integers(4, 30))  # small and large caseloads
    skill = rng.normal(0, 1.5)
    mean_alliance = rng.normal(4.5, 0.6)
    for _ in range(n):
        start = float(np.clip(np.round(rng.normal(15, 4)), 5, 27))
        alliance = float(np.clip(mean_alliance + rng.normal(0, 0.8), 1, 7))
        age = int(rng.integers(18, 75))
        end = 3 + 0.55 * start - 1.2 * (mean_alliance - 4.5) - 0.3 * (alliance - mean_alliance)
        end += skill + 0.02 * (age - 40) + rng.normal(0, 3.5)
        rows.append(
            {
                "practitioner": f"p{p:02d}",
                "start": start,
                "end": float(np.clip(np.round(end), 0, 27)),
                "alliance": round(alliance, 3),
                "age": age,
            }
        )
pd.DataFrame(rows).to_csv(Path(__file__).with_name("effects_data.csv"), index=False)
