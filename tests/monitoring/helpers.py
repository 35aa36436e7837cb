"""Small builders for constructed trajectories."""

from __future__ import annotations

import polars as pl

from alliance.monitoring import ScaleParams, scale_params

AC = "alliance-check"


def series(
    episode: str, values, instrument: str = AC, start: int = 1, sessions=None, **extra
) -> list[dict]:
    """Rows for one client's totals; ``sessions`` overrides consecutive numbering."""
    sessions = sessions or list(range(start, start + len(values)))
    return [
        {"episode": episode, "session": s, "instrument": instrument, "score": float(v), **extra}
        for s, v in zip(sessions, values, strict=True)
    ]


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None)


def params_with(**changes) -> dict[str, ScaleParams]:
    """Library params with alliance-check changed (e.g. reliable_change=2)."""
    import dataclasses

    p = scale_params()
    p[AC] = dataclasses.replace(p[AC], **changes)
    return p
