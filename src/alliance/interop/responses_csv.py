"""Parse and validate historical responses from a long CSV (pure; the DB write is elsewhere).

Columns (header row required, any order, extra columns ignored)::

    client_code, session_number | session_date, instrument, item, value

``session_number`` is a positive integer, ``session_date`` an ISO date (YYYY-MM-DD);
give at least one, or both when they name the same session. An empty ``value`` is an
unanswered item, but an administration needs at least one answered item. Every row is
checked and every bad row is reported with its line number (the header is line 1); rows are
then grouped into administrations, one per (client, session, instrument). A cell echoed in a
message is cut to 40 characters.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, TypedDict

import polars as pl

from alliance.instruments import Instrument, load_library
from alliance.scoring.errors import describe_allowed

REQUIRED = ("client_code", "instrument", "item", "value")
SESSION_COLUMNS = ("session_number", "session_date")
MAX_CLIENT_CODE = 64


@dataclass(frozen=True)
class RowError:
    """One bad row: its line number in the file and why it was rejected."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class CsvAdministration:
    """All rows of one client's answers to one instrument at one session."""

    client_code: str
    session_number: int | None
    session_date: date | None
    instrument: str
    values: dict[str, float | None]
    lines: tuple[int, ...]
    item_lines: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int | None, date | None, str]:
        return (self.client_code, self.session_number, self.session_date, self.instrument)


@dataclass(frozen=True)
class CsvParseResult:
    """Outcome of :func:`parse_responses_csv`.

    ``administrations`` holds only administrations whose rows were all valid;
    ``incomplete`` names the keys of administrations that had a bad row (left out).
    """

    administrations: list[CsvAdministration]
    errors: list[RowError]
    rows_read: int
    incomplete: list[tuple[str, int | None, date | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_report(self, limit: int | None = None) -> str:
        """Human-readable list of bad rows (all of them unless ``limit``)."""
        errs = self.errors if limit is None else self.errors[:limit]
        lines = [str(e) for e in errs]
        if limit is not None and len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more bad rows")
        return "\n".join(lines)

    def item_rows(self) -> list[dict[str, Any]]:
        """Item-level rows (administration = index) ready for ``alliance.scoring.score_batch``."""
        return [
            {"administration": n, "instrument": a.instrument, "item": item, "value": value}
            for n, a in enumerate(self.administrations)
            for item, value in a.values.items()
        ]


MAX_ECHO = 40


def cut(cell: str) -> str:
    """A cell cut to MAX_ECHO characters with an ellipsis, for a message."""
    return cell if len(cell) <= MAX_ECHO else cell[:MAX_ECHO] + "…"


def shown(cell: str) -> str:
    """A cell quoted for a message, cut to MAX_ECHO characters with an ellipsis."""
    return repr(cut(cell))


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (no header, required columns missing)."""


def _sniff(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _names_a_file(text: str) -> bool:
    """Whether a one-line string is the path of an existing file (CSV text never is)."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # too long for a file name, or a NUL byte: it is text
        return False


def parse_responses_csv(
    source: str | Path | IO[str] | bytes,
    library: Mapping[str, Instrument] | None = None,
    *,
    delimiter: str | None = None,
    engine: str = "auto",
) -> CsvParseResult:
    """Validate every row of a long responses CSV and group valid rows into administrations.

    Parameters
    ----------
    source : path, CSV text, bytes or open text file
    library : mapping of instrument id → Instrument, optional
        Defaults to :func:`alliance.instruments.load_library`.
    delimiter : str, optional
        Sniffed from the header (comma, semicolon or tab) when omitted. With a
        non-comma delimiter a decimal comma ("2,5") is accepted.
    engine : {"auto", "python"}
        ``auto`` validates simple files (no quotes, no blank lines, one field per
        column) vectorised with polars and falls back to the ``python`` row-by-row
        reader otherwise; both give identical results.

    Returns
    -------
    CsvParseResult
        ``errors`` lists every bad row with its line number and reason; nothing is
        written anywhere.

    Raises
    ------
    CsvFormatError
        Empty file, required columns missing from the header, or a row that cannot be read
        as CSV (a field over 131,072 characters), which no row of the file survives.
    """
    lib = library if library is not None else load_library()
    if isinstance(source, str) and "\n" not in source and _names_a_file(source):
        source = Path(source)
    try:
        if isinstance(source, Path):
            text = source.read_text(encoding="utf-8-sig")
        elif isinstance(source, bytes):
            text = source.decode("utf-8-sig")
        elif isinstance(source, str):
            text = source
        else:
            text = source.read()
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read); "
            "save it as 'CSV UTF-8' and import it again"
        ) from None
    text = text.lstrip("\ufeff")
    if "\r" in text:
        # Windows (\r\n) and old Mac (\r) line endings read like Unix ones.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    layout = _Layout.from_header(text.split("\n", 1)[0], delimiter)
    parsed = None
    if engine == "auto":
        parsed = _parse_fast(text, layout, lib)
    elif engine != "python":
        raise ValueError(f"engine must be 'auto' or 'python', not {shown(engine)}")
    if parsed is None:
        parsed = _parse_python(io.StringIO(text, newline=""), layout, lib)
    return _refuse_unanswered(parsed)


def _refuse_unanswered(parsed: CsvParseResult) -> CsvParseResult:
    """Report every line of an administration whose values are all empty (nothing was answered)."""
    empty = [a for a in parsed.administrations if all(v is None for v in a.values.values())]
    if not empty:
        return parsed
    errors = list(parsed.errors)
    for a in empty:
        session = (
            f"session {a.session_number}"
            if a.session_number is not None
            else f"session on {a.session_date}"
        )
        reason = (
            f"{a.instrument} for client {shown(a.client_code)} at {session} has no answered "
            "item (every value is empty)"
        )
        errors.extend(RowError(line, reason) for line in a.lines)
    errors.sort(key=lambda e: e.line)
    return CsvParseResult(
        administrations=[a for a in parsed.administrations if a not in empty],
        errors=errors,
        rows_read=parsed.rows_read,
        incomplete=[*parsed.incomplete, *(a.key for a in empty)],
    )


_INT_RE = re.compile(r"[0-9]{1,9}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUM_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class _Layout:
    delim: str
    header: tuple[str, ...]
    i_client: int
    i_inst: int
    i_item: int
    i_value: int
    i_num: int | None
    i_date: int | None

    @property
    def width(self) -> int:
        return (
            max(
                i
                for i in (
                    self.i_client,
                    self.i_inst,
                    self.i_item,
                    self.i_value,
                    self.i_num,
                    self.i_date,
                )
                if i is not None
            )
            + 1
        )

    @property
    def decimal_comma(self) -> bool:
        return self.delim != ","

    @classmethod
    def from_header(cls, header_line: str, delimiter: str | None) -> _Layout:
        header_line = header_line.rstrip("\r")
        if not header_line.strip():
            raise CsvFormatError("the file is empty (a header row is required)")
        delim = delimiter or _sniff(header_line)
        header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delim))]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise CsvFormatError(
                f"line 1: missing column(s) {', '.join(missing)}; expected client_code, "
                f"session_number or session_date, instrument, item, value (got {', '.join(cut(h) for h in header)})"
            )
        if not any(c in header for c in SESSION_COLUMNS):
            raise CsvFormatError("line 1: need a session_number or a session_date column")
        idx = {name: header.index(name) for name in (*REQUIRED, *SESSION_COLUMNS) if name in header}
        return cls(
            delim, tuple(header), idx["client_code"], idx["instrument"], idx["item"], idx["value"],
            idx.get("session_number"), idx.get("session_date"),
        )  # fmt: skip


def _check_row(
    client: str, raw_num: str, raw_date: str, inst_id: str, item_id: str, raw_value: str,
    lib: Mapping[str, Instrument], decimal_comma: bool,
) -> tuple[list[str], int | None, date | None, Instrument | None, float | None]:  # fmt: skip
    """Reasons a row is bad (empty if fine), with its parsed session and value."""
    reasons: list[str] = []
    if not client:
        reasons.append("client_code is empty")
    elif len(client) > MAX_CLIENT_CODE:
        reasons.append(f"client_code is longer than {MAX_CLIENT_CODE} characters")
    snum = sdate = None
    if raw_num:
        if _INT_RE.fullmatch(raw_num) and int(raw_num) >= 1:
            snum = int(raw_num)
        else:
            reasons.append(f"session_number {shown(raw_num)} is not a positive whole number")
    if raw_date:
        try:
            if not _DATE_RE.fullmatch(raw_date):
                raise ValueError
            sdate = date.fromisoformat(raw_date)
        except ValueError:
            reasons.append(f"session_date {shown(raw_date)} is not a date (YYYY-MM-DD)")
    if not raw_num and not raw_date:
        reasons.append("session_number or session_date is required")
    item = None
    inst = lib.get(inst_id) if inst_id else None
    if not inst_id:
        reasons.append("instrument is empty")
    elif inst is None:
        reasons.append(f"unknown instrument {shown(inst_id)}")
    elif inst.has_item(item_id) and inst.item(item_id).id == item_id:
        item = inst.item(item_id)
    else:
        reasons.append(f"{inst_id} has no item {shown(item_id)}")
    value: float | None = None
    if raw_value:
        text = raw_value.replace(",", ".") if decimal_comma else raw_value
        number = float(text) if _NUM_RE.fullmatch(text) else math.nan
        if not math.isfinite(number):
            reasons.append(f"value {shown(raw_value)} is not a number")
        else:
            value = number
            if item is not None and not item.answers.accepts(value):
                reasons.append(
                    f"value {cut(raw_value)} is not allowed for {inst_id} item {item_id} ({describe_allowed(item)})"
                )
    return reasons, snum, sdate, inst, value


def _dup_reason(inst_id: str, item_id: str, client: str, first_line: int) -> str:
    return f"{inst_id} item {item_id} for client {shown(client)} at this session already given on line {first_line}"


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"a field is longer than {csv.field_size_limit():,} characters, the most a field "
            "may hold; no value is that long"
        )
    return f"the row cannot be read as CSV ({exc})"


# An administration's key: (client code, session number, session date, instrument id).
_Key = tuple[str, int | None, date | None, str]


class _Group(TypedDict):
    values: dict[str, float | None]
    lines: dict[str, int]


def _parse_python(fh: IO[str], layout: _Layout, lib: Mapping[str, Instrument]) -> CsvParseResult:
    fh.readline()  # header
    width = layout.width
    errors: list[RowError] = []
    groups: dict[_Key, _Group] = {}
    bad_keys: set[_Key] = set()
    rows_read = 0
    reader = csv.reader(fh, delimiter=layout.delim)
    line = 1
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # A field over csv.field_size_limit() (131,072 characters), a NUL byte, ...: the
            # row cannot be tied to its administration, so no row of the file is trusted —
            # even with skip_invalid, an administration could lose an item (PHQ-9 item 9).
            raise CsvFormatError(f"line {start}: {_csv_problem(exc)}") from None
        line = reader.line_num + 1  # reader.line_num counts from the line after the header
        if not row or all(not c.strip() for c in row):
            continue
        rows_read += 1
        if len(row) < width:
            errors.append(RowError(start, f"expected at least {width} fields, found {len(row)}"))
            continue
        client = row[layout.i_client].strip()
        raw_num = row[layout.i_num].strip() if layout.i_num is not None else ""
        raw_date = row[layout.i_date].strip() if layout.i_date is not None else ""
        inst_id = row[layout.i_inst].strip()
        item_id = row[layout.i_item].strip()
        reasons, snum, sdate, inst, value = _check_row(
            client,
            raw_num,
            raw_date,
            inst_id,
            item_id,
            row[layout.i_value].strip(),
            lib,
            layout.decimal_comma,
        )
        key = (client, snum, sdate, inst_id)
        if not reasons:
            grp = groups.setdefault(key, {"values": {}, "lines": {}})
            if item_id in grp["values"]:
                reasons.append(_dup_reason(inst_id, item_id, client, grp["lines"][item_id]))
            else:
                grp["values"][item_id] = value
                grp["lines"][item_id] = start
        if reasons:
            errors.append(RowError(start, "; ".join(reasons)))
            if client and inst is not None and (snum is not None or sdate is not None):
                bad_keys.add(key)
    administrations = [
        CsvAdministration(
            client_code=k[0],
            session_number=k[1],
            session_date=k[2],
            instrument=k[3],
            values=_ordered(lib[k[3]], g["values"]),
            lines=tuple(sorted(g["lines"].values())),
            item_lines=dict(g["lines"]),
        )
        for k, g in groups.items()
        if k not in bad_keys
    ]
    return CsvParseResult(
        administrations=administrations,
        errors=errors,
        rows_read=rows_read,
        incomplete=[k for k in groups if k in bad_keys],
    )


def _parse_fast(text: str, layout: _Layout, lib: Mapping[str, Instrument]) -> CsvParseResult | None:
    """Vectorised validation with polars for simple files; None means "use the python reader"."""
    body = text[:-1] if text.endswith("\n") else text
    if '"' in body or "\r" in body or "\n\n" in body:
        return None
    n_lines = body.count("\n")  # data lines (the header is line 1)
    if n_lines == 0 or body.count(layout.delim) != (n_lines + 1) * (len(layout.header) - 1):
        return None
    names = [f"c{i}" for i in range(len(layout.header))]
    try:
        raw = pl.read_csv(
            io.BytesIO(body.encode("utf-8")),
            separator=layout.delim,
            has_header=True,
            new_columns=names,
            infer_schema=False,
            quote_char=None,
        ).with_columns(pl.all().fill_null(""))
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if raw.height != n_lines:
        return None

    def col(i: int | None) -> pl.Expr:
        return pl.col(f"c{i}").str.strip_chars() if i is not None else pl.lit("")

    df = raw.select(
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("line"),
        col(layout.i_client).alias("client"),
        col(layout.i_num).alias("num"),
        col(layout.i_date).alias("date"),
        col(layout.i_inst).alias("instrument"),
        col(layout.i_item).alias("item"),
        col(layout.i_value).alias("raw_value"),
    )
    if df.select(
        ((pl.col("client") == "") & (pl.col("num") == "") & (pl.col("date") == "") & (pl.col("instrument") == "")
         & (pl.col("item") == "") & (pl.col("raw_value") == "")).any()
    ).item():  # fmt: skip
        return None  # all-empty rows are skipped by the python reader; keep one rule

    items, options = [], []
    for inst in lib.values():
        for pos, it in enumerate(inst.items):
            vals = it.answers.values
            consecutive = bool(vals) and sorted(vals) == list(
                range(int(min(vals)), int(min(vals)) + len(vals))
            )
            items.append(
                {
                    "instrument": inst.id,
                    "item": it.id,
                    "_lo": it.min,
                    "_hi": it.max,
                    # 0: any number in range (vas), 1: whole numbers in range, 2: option set
                    "_chk": 0 if it.kind == "vas" else (1 if consecutive else 2),
                    "_pos": pos,
                }
            )
            if not consecutive:
                options += [{"instrument": inst.id, "item": it.id, "value": float(v)} for v in vals]
    item_tbl = pl.DataFrame(items)
    opt_tbl = pl.DataFrame(
        options, schema={"instrument": pl.String, "item": pl.String, "value": pl.Float64}
    )

    value_text = pl.col("raw_value")
    if layout.decimal_comma:
        value_text = value_text.str.replace_all(",", ".", literal=True)
    num_ok = pl.col("num").str.contains(r"^[0-9]{1,9}$")
    # Year 0000 parses in polars but is no date in Python (or ISO 8601 without extension).
    date_ok = pl.col("date").str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$") & ~pl.col(
        "date"
    ).str.starts_with("0000")
    snum = pl.when(num_ok).then(pl.col("num").cast(pl.Int64, strict=False))
    df = df.with_columns(
        pl.when(snum >= 1).then(snum).alias("snum"),
        pl.when(date_ok).then(pl.col("date").str.to_date("%Y-%m-%d", strict=False)).alias("sdate"),
        pl.when(value_text.str.contains(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"))
        .then(value_text.cast(pl.Float64, strict=False))
        .alias("value"),
        pl.col("instrument").is_in(list(lib)).alias("_known"),
    ).join(item_tbl, on=["instrument", "item"], how="left")
    v = pl.col("value")
    in_range = (v >= pl.col("_lo")) & (v <= pl.col("_hi"))
    value_ok = (pl.col("raw_value") == "") | (
        v.is_not_null()
        & v.is_finite()
        & (
            pl.col("_lo").is_null()
            | (pl.col("_chk") == 2)  # checked against the option set below
            | ((pl.col("_chk") == 0) & in_range)
            | ((pl.col("_chk") == 1) & in_range & (v == v.floor()))
        )
    )
    bad = (
        (pl.col("client") == "")
        | (pl.col("client").str.len_chars() > MAX_CLIENT_CODE)
        | ((pl.col("num") != "") & pl.col("snum").is_null())
        | ((pl.col("date") != "") & pl.col("sdate").is_null())
        | ((pl.col("num") == "") & (pl.col("date") == ""))
        | ~pl.col("_known")
        | (pl.col("_known") & pl.col("_lo").is_null())
        | ~value_ok
    )
    df = df.with_columns(bad.alias("_bad"))
    if opt_tbl.height and df.select(((pl.col("_chk") == 2) & v.is_not_null()).any()).item():
        not_an_option = (
            df.filter((pl.col("_chk") == 2) & v.is_not_null() & ~pl.col("_bad"))
            .join(opt_tbl, on=["instrument", "item", "value"], how="anti")
            .get_column("line")
        )
        df = df.with_columns(pl.col("_bad") | pl.col("line").is_in(not_an_option.implode()))
    keycols = ["client", "snum", "sdate", "instrument"]
    good = df.filter(~pl.col("_bad"))
    first = pl.struct(*keycols, "item").is_first_distinct()
    good = good.with_columns(first.alias("_first"))
    dups = good.filter(~pl.col("_first"))
    if dups.height:
        firsts = good.filter(pl.col("_first")).join(
            dups.select(*keycols, "item").unique(), on=[*keycols, "item"], nulls_equal=True
        )
        dups = dups.join(
            firsts.select(*keycols, "item", pl.col("line").alias("_first_line")),
            on=[*keycols, "item"],
            nulls_equal=True,
        )
    good = good.filter(pl.col("_first"))

    errors: list[RowError] = []
    bad_keys: set[_Key] = set()
    for r in df.filter(pl.col("_bad")).iter_rows(named=True):
        reasons, row_num, row_date, row_inst, _value = _check_row(
            r["client"],
            r["num"],
            r["date"],
            r["instrument"],
            r["item"],
            r["raw_value"],
            lib,
            layout.decimal_comma,
        )
        if not reasons:  # the two engines disagree: let the python reader decide
            return None
        errors.append(RowError(r["line"], "; ".join(reasons)))
        if r["client"] and row_inst is not None and (row_num is not None or row_date is not None):
            bad_keys.add((r["client"], row_num, row_date, r["instrument"]))
    for r in dups.iter_rows(named=True):
        errors.append(
            RowError(
                r["line"], _dup_reason(r["instrument"], r["item"], r["client"], r["_first_line"])
            )
        )
        bad_keys.add((r["client"], r["snum"], r["sdate"], r["instrument"]))
    errors.sort(key=lambda e: e.line)

    grouped = good.group_by(keycols, maintain_order=True).agg(
        pl.col("item").sort_by("_pos"),
        pl.col("value").sort_by("_pos"),
        pl.col("line").sort(),
        pl.col("line").sort_by("_pos").alias("_item_lines"),
    )
    administrations, incomplete = [], []
    for client, snum, sdate, inst_id, item_ids, values, lines, item_lines in grouped.iter_rows():
        key = (client, snum, sdate, inst_id)
        if key in bad_keys:
            incomplete.append(key)
            continue
        administrations.append(
            CsvAdministration(
                client_code=client,
                session_number=snum,
                session_date=sdate,
                instrument=inst_id,
                values=dict(zip(item_ids, values, strict=True)),
                lines=tuple(lines),
                item_lines=dict(zip(item_ids, item_lines, strict=True)),
            )
        )
    return CsvParseResult(
        administrations=administrations, errors=errors, rows_read=n_lines, incomplete=incomplete
    )


def _ordered(inst: Instrument, values: dict[str, float | None]) -> dict[str, float | None]:
    return {i: values[i] for i in inst.item_ids if i in values}


def write_responses_csv(administrations: Iterable[CsvAdministration], fh: IO[str]) -> None:
    """Write administrations back out in the same long format (for exports and tests)."""
    w = csv.writer(fh)
    w.writerow(["client_code", "session_number", "session_date", "instrument", "item", "value"])
    for a in administrations:
        for item, value in a.values.items():
            w.writerow(
                [
                    a.client_code,
                    a.session_number or "",
                    a.session_date.isoformat() if a.session_date else "",
                    a.instrument,
                    item,
                    "" if value is None else (int(value) if float(value).is_integer() else value),
                ]
            )
