"""Read a tidy scores file for ``alliance monitor``, refusing bad rows with the line they are on."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import polars as pl

from alliance.instruments import (
    Instrument,
    InstrumentError,
    load_instrument,
    range_problem,
)
from alliance.monitoring.tidy import REQUIRED, RUPTURE_DOMAINS, TOTAL

__all__ = ["OPTIONAL", "RATERS", "ScoreFileError", "read_scores", "read_scores_file"]

OPTIONAL = ("rater", "subscale", "date", "phase", "ended", "critical")
RATERS = ("client", "practitioner")
_MAX_SESSION = 65535
_RUPTURE_PARTS = {name: domain for domain, name in RUPTURE_DOMAINS.items()}


class ScoreFileError(ValueError):
    """A problem with the scores file, naming the line (1 is the header) or the row."""


def _library_part(inst: Instrument, subscale: str) -> str | None:
    """Return the library's name for a tidy ``subscale`` (total, subscale or item id), or None.

    Besides the total and the definition's subscale ids, the tidy table holds single item
    answers as ``9``, ``item9`` or ``item_9`` and the rupture questions as ``tension``,
    ``bother`` and ``resolved`` (items of domain rupture, rupture_intensity,
    rupture_resolution).
    """
    if subscale == TOTAL or any(s.id == subscale for s in inst.subscales):
        return subscale
    for prefix in ("item_", "item", ""):
        if subscale.startswith(prefix) and inst.has_item(subscale.removeprefix(prefix)):
            return subscale.removeprefix(prefix)
    domain = _RUPTURE_PARTS.get(subscale)
    for item in inst.items:
        if domain is not None and item.domain == domain:
            return item.id
    return None


def _known_parts(inst: Instrument) -> str:
    names = [TOTAL, *(s.id for s in inst.subscales)]
    names += [
        name
        for domain, name in RUPTURE_DOMAINS.items()
        if any(i.domain == domain for i in inst.items)
    ]
    return f"{', '.join(names)} or an item such as item{inst.items[-1].id}"


def read_scores(records: Iterable[tuple[str, Mapping[str, str]]]) -> pl.DataFrame:
    """Check tidy score rows and return them as the table ``monitor`` reads.

    ``records`` yields ``(where, row)`` pairs: ``where`` names the row in messages (``line
    4``), ``row`` maps column names to text. Raises ScoreFileError naming the row for an
    empty episode or instrument, a session that is not a whole number from 0 to 65535, an
    unknown instrument, a rater other than client or practitioner, a subscale the
    instrument does not have, a score that is not a finite number or lies outside the
    possible range of the total, subscale or item, and the same episode, session,
    instrument, rater and subscale twice (whether or not the scores differ). A row without
    a score is left out, as ``monitor`` leaves out null scores.
    """
    rows: list[dict[str, str | int | float | None]] = []
    seen: dict[tuple[str, int, str, str, str], tuple[str, float]] = {}
    instruments: dict[str, Instrument] = {}
    for where, record in records:
        values = {k: (record.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
        if not values["episode"]:
            raise ScoreFileError(f"{where}: the episode is empty")
        inst_id = values["instrument"]
        if not inst_id:
            raise ScoreFileError(f"{where}: the instrument is empty")
        try:
            session = int(values["session"])
        except ValueError:
            raise ScoreFileError(
                f"{where}: session {values['session']!r} is not a whole number"
            ) from None
        if not 0 <= session <= _MAX_SESSION:
            raise ScoreFileError(f"{where}: session {session} lies outside 0–{_MAX_SESSION}")
        if inst_id not in instruments:
            try:
                instruments[inst_id] = load_instrument(inst_id)
            except InstrumentError:
                raise ScoreFileError(f"{where}: unknown instrument {inst_id!r}") from None
        inst = instruments[inst_id]
        rater = values["rater"].lower()
        if not rater:
            rater = "practitioner" if inst.respondent == "practitioner" else "client"
        elif rater not in RATERS:
            raise ScoreFileError(
                f"{where}: rater {values['rater']!r} is neither client nor practitioner"
            )
        subscale = values["subscale"] or TOTAL
        part = _library_part(inst, subscale)
        if part is None:
            raise ScoreFileError(
                f"{where}: {inst_id} has no subscale {subscale!r} ({_known_parts(inst)})"
            )
        if not values["score"]:
            continue
        try:
            score = float(values["score"])
        except ValueError:
            raise ScoreFileError(f"{where}: score {values['score']!r} is not a number") from None
        if not math.isfinite(score):
            raise ScoreFileError(f"{where}: score {values['score']!r} is not a finite number")
        problem = range_problem(inst, score, part, None if subscale == TOTAL else subscale)
        if problem:
            raise ScoreFileError(f"{where}: {problem}")
        key = (values["episode"], session, inst_id, rater, subscale)
        if key in seen:
            first, before = seen[key]
            what = f"episode {key[0]} session {session} has"
            if before == score:
                raise ScoreFileError(
                    f"{where}: {what} the same {inst_id} {subscale} score by the {rater} "
                    f"again (first on {first})"
                )
            raise ScoreFileError(
                f"{where}: {what} two {inst_id} {subscale} scores by the {rater}: "
                f"{score:g} here and {before:g} on {first}"
            )
        seen[key] = (where, score)
        rows.append(
            {
                "episode": values["episode"],
                "session": session,
                "instrument": inst_id,
                "score": score,
                "rater": rater,
                "subscale": subscale,
                **{c: values[c] or None for c in OPTIONAL[2:]},
            }
        )
    schema = {
        "episode": pl.String,
        "session": pl.Int64,
        "instrument": pl.String,
        "score": pl.Float64,
        "rater": pl.String,
        "subscale": pl.String,
        **{c: pl.String for c in OPTIONAL[2:]},
    }
    return pl.DataFrame(rows, schema=schema)


def _csv_records(text: str) -> Iterator[tuple[str, Mapping[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ScoreFileError(f"line 1: the header lacks the column(s) {', '.join(missing)}")
    reader.fieldnames = header
    for record in reader:
        if all(not (v or "").strip() for v in record.values() if isinstance(v, str)):
            continue
        if None in record:
            raise ScoreFileError(f"line {reader.line_num}: more fields than the header has columns")
        yield f"line {reader.line_num}", record


def _frame_records(frame: pl.DataFrame) -> Iterator[tuple[str, Mapping[str, str]]]:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ScoreFileError(f"the table lacks the column(s) {', '.join(missing)}")
    for n, row in enumerate(frame.iter_rows(named=True), start=1):
        yield f"row {n}", {k: "" if v is None else str(v) for k, v in row.items()}


def read_scores_file(source: Path | str) -> pl.DataFrame:
    """Read a tidy CSV (or Parquet) file of scores with :func:`read_scores`.

    Rows of a CSV are named by their line (1 is the header), rows of a Parquet file by their
    number (1 is the first row). Raises FileNotFoundError when the file does not exist and
    ScoreFileError for a directory, an empty file, text that is not UTF-8, a missing
    column, or a bad row.
    """
    path = Path(source)
    if path.is_dir():
        raise ScoreFileError("is a directory, not a file")
    if path.suffix.lower() == ".parquet":
        try:
            frame = pl.read_parquet(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            if not path.exists():
                raise FileNotFoundError(path) from None
            raise ScoreFileError(f"not a Parquet file ({type(exc).__name__})") from None
        return read_scores(_frame_records(frame))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScoreFileError("is not UTF-8 text") from None
    if not text.strip():
        raise ScoreFileError(
            f"the file is empty (it needs a header with the columns {', '.join(REQUIRED)})"
        )
    return read_scores(_csv_records(text))
