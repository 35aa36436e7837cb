"""The uniform signal table every rule emits, its de-duplication keys, and risk ordering.

One row per signal::

    key        stable de-duplication key (see below); upsert on it
    type       critical | rupture | not_on_track | low_alliance | early_alliance |
               disagreement | missing_checks
    episode    episode id (text)
    session    the session the signal refers to (begin session for a rupture)
    instrument instrument id, or null
    state      open | repaired | unrepaired | resolved
    severity   critical | high | medium | low | info: the type's severity while the signal
               needs the practitioner (open, or a rupture left unrepaired); info once
               repaired or resolved, and for information (see Signal.is_alert)
    method     which rule or model produced it (e.g. ``empirical:quantile_loglinear``)
    evidence   JSON object with the numbers behind the signal

Keys depend only on the episode, the instrument, the rule and the session at which the
signal began, never on the run, so recomputing yields the same keys:

    critical:{episode}:s{session}:{instrument}:{item}
    rupture:{episode}:s{begin}      (all alerting rupture rules beginning at that session;
                                     the rupture table keeps one key per rule:
                                     rupture:{episode}:s{begin}:{rule}[:{instrument}])
    not_on_track:{episode}:{instrument}:s{first off-track session of the run}
    low_alliance:{episode}:{instrument}:s{first low session of the run}
    early_alliance:{episode}:{instrument}
    disagreement:{episode}:s{session}:{instrument}
    missing_checks:{episode}:s{first unanswered session of the run}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import polars as pl

SIGNAL_TYPES = (
    "critical",
    "rupture",
    "not_on_track",
    "low_alliance",
    "early_alliance",
    "disagreement",
    "missing_checks",
)
STATES = ("open", "repaired", "unrepaired", "resolved")
SEVERITIES = ("critical", "high", "medium", "low", "info")

KeyPart = str | int | pl.Expr


@overload
def session_part(session: int) -> str: ...
@overload
def session_part(session: pl.Expr) -> pl.Expr: ...
def session_part(session: int | pl.Expr) -> str | pl.Expr:
    """Return the session part of a signal key, ``s{session}``, for a number or a column."""
    if isinstance(session, pl.Expr):
        return pl.concat_str([pl.lit("s"), session.cast(pl.String)])
    return f"s{int(session)}"


@overload
def signal_key(type_: str, first: pl.Expr, /, *parts: KeyPart) -> pl.Expr: ...
@overload
def signal_key(type_: str, *parts: str | int) -> str: ...
@overload
def signal_key(type_: str, *parts: KeyPart) -> str | pl.Expr: ...
def signal_key(type_: str, *parts: KeyPart) -> str | pl.Expr:
    """Return a signal's de-duplication key, ``{type}:{part}:{part}...`` (formats above).

    With plain values it returns the key itself; when any part is a polars expression it
    returns an expression for a column of keys (null where a part is null). Session parts go
    through `session_part`, so every key writes a session as ``s{n}``.
    """
    if not any(isinstance(part, pl.Expr) for part in parts):
        return ":".join([type_, *(str(part) for part in parts)])
    pieces: list[pl.Expr] = [pl.lit(type_)]
    for part in parts:
        pieces.append(pl.lit(":"))
        pieces.append(part.cast(pl.String) if isinstance(part, pl.Expr) else pl.lit(str(part)))
    return pl.concat_str(pieces)


SIGNAL_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "type": pl.String,
    "episode": pl.String,
    "session": pl.Int64,
    "instrument": pl.String,
    "state": pl.String,
    "severity": pl.String,
    "method": pl.String,
    "evidence": pl.String,
}

# The states in which a signal still needs the practitioner: open, or a rupture never repaired.
NEEDS_PRACTITIONER = ("open", "unrepaired")

# Severity of each type while it needs the practitioner; once repaired or resolved, "info".
OPEN_SEVERITY = {
    "critical": "critical",
    "rupture": "high",
    "not_on_track": "high",
    "low_alliance": "medium",
    "early_alliance": "medium",
    "disagreement": "low",
    "missing_checks": "low",
}


@dataclass(frozen=True)
class Signal:
    """One signal as a plain object (the row of the signal table, evidence parsed)."""

    key: str
    type: str
    episode: str
    session: int | None
    instrument: str | None
    state: str
    severity: str
    method: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def is_alert(self) -> bool:
        """Return whether the signal belongs in the inbox (an alert), not only on the client
        page and caseload (information): see :func:`is_information`."""
        return not is_information(self.type, self.method)

    def to_dict(self) -> dict[str, Any]:
        """Return the signal as JSON-ready data."""
        return {
            "key": self.key,
            "type": self.type,
            "episode": self.episode,
            "session": self.session,
            "instrument": self.instrument,
            "state": self.state,
            "severity": self.severity,
            "method": self.method,
            "alert": self.is_alert,
            "evidence": self.evidence,
        }


INFORMATION_METHODS = {"early_alliance": ("practice_percentile",)}
"""Signals that are information, not alerts: relative to the practice only (an early
alliance in the practice's lowest quarter flags a quarter of all clients by construction),
so they show on the client page and in the caseload but never land in the inbox."""


def is_information(type_: str, method: str | None) -> bool:
    """Return True when a signal of ``type_`` found by ``method`` is information only."""
    return (method or "") in INFORMATION_METHODS.get(type_, ())


def empty_signals() -> pl.DataFrame:
    """Return an empty signal table."""
    return pl.DataFrame(schema=SIGNAL_SCHEMA)


def make_signals(
    df: pl.DataFrame | pl.LazyFrame,
    *,
    type_: str,
    key: pl.Expr,
    evidence: list[str | pl.Expr],
    method: pl.Expr | str,
    state: pl.Expr | str = "open",
    session: str = "session",
    instrument: pl.Expr | str | None = "instrument",
) -> pl.DataFrame:
    """Return ``df`` turned into signal rows (vectorised; evidence JSON-encoded per row).

    ``df`` may be lazy: the rule's whole chain then runs as one polars query.
    """
    if isinstance(df, pl.DataFrame) and df.height == 0:
        return empty_signals()
    state_e = pl.lit(state) if isinstance(state, str) else state
    method_e = pl.lit(method) if isinstance(method, str) else method
    if instrument is None:
        inst_e = pl.lit(None, pl.String)
    elif isinstance(instrument, str):
        inst_e = pl.col(instrument)
    else:
        inst_e = instrument
    ev = [pl.col(e) if isinstance(e, str) else e for e in evidence]
    severity = (
        pl.when(state_e.is_in(list(NEEDS_PRACTITIONER)))
        .then(pl.lit(OPEN_SEVERITY[type_]))
        .otherwise(pl.lit("info"))
    )
    info_methods = INFORMATION_METHODS.get(type_, ())
    if info_methods:
        severity = (
            pl.when(method_e.is_in(list(info_methods))).then(pl.lit("info")).otherwise(severity)
        )
    out = df.select(
        key.cast(pl.String).alias("key"),
        pl.lit(type_).alias("type"),
        pl.col("episode").cast(pl.String),
        pl.col(session).cast(pl.Int64).alias("session"),
        inst_e.cast(pl.String).alias("instrument"),
        state_e.cast(pl.String).alias("state"),
        severity.alias("severity"),
        method_e.cast(pl.String).alias("method"),
        pl.struct(ev).struct.json_encode().alias("evidence"),
    )
    return out.collect() if isinstance(out, pl.LazyFrame) else out


def signal_list(signals: pl.DataFrame) -> list[Signal]:
    """Return the signal table as a list of :class:`Signal` (evidence parsed from JSON)."""
    return [
        Signal(
            key=r["key"],
            type=r["type"],
            episode=r["episode"],
            session=r["session"],
            instrument=r["instrument"],
            state=r["state"],
            severity=r["severity"],
            method=r["method"],
            evidence=json.loads(r["evidence"]) if r["evidence"] else {},
        )
        for r in signals.iter_rows(named=True)
    ]


RISK_COLUMNS = (
    "critical",
    "open_ruptures",
    "not_on_track",
    "weak_early_alliance",
    "disagreement",
    "missing_checks",
)


def risk_order(signals: pl.DataFrame, episodes: Any | None = None) -> pl.DataFrame:
    """Return episodes sorted by risk, most at risk first, with a traffic light.

    Open signals only. Ordering is lexicographic on: critical answers, open ruptures, not on
    track, weak alliance (early warning or below the low cut-off), disagreement, missing
    checks (issue 4's caseload order); ties by episode id. ``light`` is ``red`` with any of
    the first three, ``amber`` with any of the others, else ``green``.
    """
    o = signals.filter(pl.col("state") == "open")
    counts = o.group_by("episode").agg(
        (pl.col("type") == "critical").sum().alias("critical"),
        (pl.col("type") == "rupture").sum().alias("open_ruptures"),
        (pl.col("type") == "not_on_track").sum().alias("not_on_track"),
        pl.col("type").is_in(["early_alliance", "low_alliance"]).sum().alias("weak_early_alliance"),
        (pl.col("type") == "disagreement").sum().alias("disagreement"),
        (pl.col("type") == "missing_checks").sum().alias("missing_checks"),
    )
    if episodes is not None:
        eps = (
            episodes["episode"]
            if isinstance(episodes, pl.DataFrame)
            else pl.Series("episode", list(episodes))
        )
        counts = (
            pl.DataFrame({"episode": eps.cast(pl.String).unique()})
            .join(counts, on="episode", how="left")
            .fill_null(0)
        )
    counts = counts.with_columns(pl.col(c).cast(pl.Int64) for c in RISK_COLUMNS)
    red = (pl.col("critical") + pl.col("open_ruptures") + pl.col("not_on_track")) > 0
    amber = (pl.col("weak_early_alliance") + pl.col("disagreement") + pl.col("missing_checks")) > 0
    return (
        counts.sort([*RISK_COLUMNS, "episode"], descending=[True] * len(RISK_COLUMNS) + [False])
        .with_columns(
            pl.when(red)
            .then(pl.lit("red"))
            .when(amber)
            .then(pl.lit("amber"))
            .otherwise(pl.lit("green"))
            .alias("light")
        )
        .with_row_index("rank", offset=1)
        .select("rank", "episode", "light", *RISK_COLUMNS)
    )


_RISK_OF_TYPE = {
    "critical": 0,
    "rupture": 1,
    "not_on_track": 2,
    "early_alliance": 3,
    "low_alliance": 3,
    "disagreement": 4,
    "missing_checks": 5,
}


def risk_ranks(
    open_types: Mapping[str, Sequence[str]], episodes: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """Return ``{episode: (rank, light)}`` exactly as :func:`risk_order` ranks open signals.

    ``open_types`` maps an episode to the types of its open signals. The same lexicographic
    order (counts of critical answers, open ruptures, not on track, weak alliance,
    disagreement, missing checks, most first; ties by episode id as text) and lights, in
    plain Python: for a caseload page's hundred episodes, building and sorting a table
    costs more than the ranking itself.
    """
    keys = []
    for episode in set(episodes) | set(open_types):
        counts = [0] * len(RISK_COLUMNS)
        for type_ in open_types.get(episode, ()):
            column = _RISK_OF_TYPE.get(type_)
            if column is not None:
                counts[column] += 1
        keys.append((tuple(-c for c in counts), episode, counts))
    keys.sort(key=lambda k: (k[0], k[1]))
    out = {}
    for rank, (_key, episode, counts) in enumerate(keys, start=1):
        light = "red" if any(counts[:3]) else "amber" if any(counts[3:]) else "green"
        out[episode] = (rank, light)
    return out
