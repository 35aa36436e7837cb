"""Read a tidy outcome CSV, refusing bad rows with the line they are on."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import polars as pl

from alliance.instruments import Instrument, InstrumentError, load_instrument, range_problem

__all__ = ["OutcomeFileError", "REQUIRED", "OPTIONAL", "read_outcome_csv"]

REQUIRED = ("episode", "session", "instrument", "score")
OPTIONAL = ("practitioner", "service")


class OutcomeFileError(ValueError):
    """A problem with the file, naming the line (1 is the header)."""


def read_outcome_csv(source: Path | str) -> pl.DataFrame:
    """Read ``episode, session, instrument, score[, practitioner, service]`` rows.

    Raises OutcomeFileError with ``line N:`` for a missing column, an empty episode or
    instrument, a session that is not a whole number ≥ 1, a score that is not a number or
    lies outside the instrument's range, an unknown instrument, the same episode, session
    and instrument twice, or an episode given two practitioners or two services.
    """
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise OutcomeFileError(f"{path} is not UTF-8 text") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise OutcomeFileError(f"line 1: the header lacks the column(s) {', '.join(missing)}")
    reader.fieldnames = header
    rows: list[dict[str, str | int | float | None]] = []
    seen: dict[tuple[str, int, str], int] = {}
    owner: dict[tuple[str, str], tuple[str, int]] = {}
    instruments: dict[str, Instrument] = {}
    for record in reader:
        line = reader.line_num
        if all(not (v or "").strip() for v in record.values() if isinstance(v, str)):
            continue
        if None in record:
            raise OutcomeFileError(f"line {line}: more fields than the header has columns")
        values = {k: (record.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
        if not values["episode"]:
            raise OutcomeFileError(f"line {line}: the episode is empty")
        if not values["instrument"]:
            raise OutcomeFileError(f"line {line}: the instrument is empty")
        try:
            session = int(values["session"])
        except ValueError:
            raise OutcomeFileError(
                f"line {line}: session {values['session']!r} is not a whole number"
            ) from None
        if session < 1:
            raise OutcomeFileError(f"line {line}: session {session} is below 1")
        try:
            score = float(values["score"])
        except ValueError:
            raise OutcomeFileError(
                f"line {line}: score {values['score']!r} is not a number"
            ) from None
        if not math.isfinite(score):
            raise OutcomeFileError(f"line {line}: score {values['score']!r} is not a number")
        inst_id = values["instrument"]
        if inst_id not in instruments:
            try:
                instruments[inst_id] = load_instrument(inst_id)
            except InstrumentError:
                raise OutcomeFileError(f"line {line}: unknown instrument {inst_id!r}") from None
        problem = range_problem(instruments[inst_id], score)
        if problem:
            raise OutcomeFileError(f"line {line}: {problem}")
        key = (values["episode"], session, inst_id)
        if key in seen:
            raise OutcomeFileError(
                f"line {line}: episode {key[0]} already has a {inst_id} score at session "
                f"{session} (line {seen[key]})"
            )
        seen[key] = line
        for col in OPTIONAL:
            if not values[col]:
                continue
            known = owner.setdefault((values["episode"], col), (values[col], line))
            if known[0] != values[col]:
                raise OutcomeFileError(
                    f"line {line}: episode {values['episode']} has {col} {values[col]!r} "
                    f"but {known[0]!r} on line {known[1]}"
                )
        rows.append(
            {
                "episode": values["episode"],
                "session": session,
                "instrument": inst_id,
                "score": score,
                "practitioner": values["practitioner"] or None,
                "service": values["service"] or None,
            }
        )
    schema = {
        "episode": pl.Utf8,
        "session": pl.Int64,
        "instrument": pl.Utf8,
        "score": pl.Float64,
        "practitioner": pl.Utf8,
        "service": pl.Utf8,
    }
    frame = pl.DataFrame(rows, schema=schema)
    # a practitioner or service named on one row of an episode applies to all its rows
    for col in OPTIONAL:
        frame = frame.with_columns(pl.col(col).drop_nulls().first().over("episode").alias(col))
    return frame
