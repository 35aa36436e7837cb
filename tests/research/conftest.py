"""Shared helpers for the research tests: reference files produced by R (see reference/)."""

from __future__ import annotations

from pathlib import Path

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
