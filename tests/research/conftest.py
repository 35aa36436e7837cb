"""Shared helpers for the research tests: reference files produced by R (see reference/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "reference"


def read_reference(name: str) -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / name)
    if "rhs" in frame.columns:
        frame["rhs"] = frame["rhs"].fillna("")
    return frame


@pytest.fixture
def reference_dir() -> Path:
    return REFERENCE


def assert_matches_lavaan(
    fit,
    name: str,
    measures=(),
    *,
    keys=("lhs", "op", "rhs"),
    est_tol: float = 1e-4,
    relative: dict[str, float] | None = None,
) -> None:
    """``fit`` equals lavaan's ``{name}_estimates.csv`` and ``{name}_fit.csv`` (issue 18's
    tolerances: ``est_tol`` for estimates, 1e-3 for standard errors and the ``measures``;
    ``relative`` gives a measure a tolerance relative to its size instead, saying why where
    it is used). Every row of lavaan's table must be in ours and every row of ours in it."""
    ref = read_reference(f"{name}_estimates.csv")
    merged = ref.merge(fit.estimates, on=list(keys), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["est_y"], merged["est_x"], rtol=0, atol=est_tol)
    np.testing.assert_allclose(merged["se_y"], merged["se_x"], rtol=0, atol=1e-3)
    fit_ref = read_reference(f"{name}_fit.csv").set_index("measure")["value"]
    for measure in measures:
        rel = (relative or {}).get(measure)
        expected = pytest.approx(fit_ref[measure], abs=1e-3, **({"rel": rel} if rel else {}))
        assert fit.fit[measure] == expected, measure
