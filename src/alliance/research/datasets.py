"""Consented, pseudonymised research data sets (long and wide) with a codebook.

Input: one tidy pandas (or polars) frame, one row per item response, with the columns
of ``TIDY_COLUMNS`` (the web layer and the CLI build it from the practice database):

=====================  ==========  ======================================================
column                 type        meaning
=====================  ==========  ======================================================
client_key             str         the clinic's client code / key (never exported)
episode_key            str         the episode of care's key (never exported)
practitioner_key       str         the practitioner's key (never exported)
episode_start          date        first day of the episode (never exported)
session_number         int         1, 2, ... within the episode
session_date           date        date of the session (exported as days since start)
instrument             str         instrument id, e.g. ``wai-sr``, ``phq-9``
item                   str         item id within the instrument, e.g. ``1`` or ``goal_1``
value                  float       the item response (NaN when not answered)
score                  float       the instrument's total score for this session
                                   (repeated on every item row of the form)
service                str         controlled vocabulary (e.g. ``counselling``)
format                 str         ``in_person``, ``video``, ``phone``, ...
interpreter_present    bool        an interpreter was present in the session
mandated               bool        the episode is mandated / legally coerced
phase                  str         ``engagement``, ``assessment``, ``working``, ``ending``
research_consent       bool        the client's research consent is in force today
=====================  ==========  ======================================================

Optional columns ``score_<subscale>`` (e.g. ``score_goal``, ``score_task``,
``score_bond``) carry subscale scores, repeated on the form's item rows like ``score``.
Any other column is ignored, so free text (notes, names) never reaches an export.

Output, from ``build_datasets``:

- long form: one row per episode x session x instrument, with research ids, days since
  the episode started, the covariates, the item values (one column per item, named
  ``<instrument>_<item>``) and the scores;
- wide form: one row per episode, sessions as waves (``<instrument>_score_s<n>``,
  subscale scores, ``days_s<n>``), with the episode-level covariates;
- a codebook for each (variable, type, label, values, instrument, licence).

Research ids are keyed hashes, HMAC-SHA256(project key, kind + ":" + key), so the same
client keeps the same id across exports under one project key, and no one without the
key can link an id back to the clinic's code. A client who has not consented (or has
withdrawn) is left out entirely.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .multilevel import Table, as_pandas

__all__ = [
    "TIDY_COLUMNS",
    "ResearchDataset",
    "build_datasets",
    "research_id",
    "write_dataset",
]

#: required input columns and their types (see the module docstring)
TIDY_COLUMNS: dict[str, str] = {
    "client_key": "str",
    "episode_key": "str",
    "practitioner_key": "str",
    "episode_start": "date",
    "session_number": "int",
    "session_date": "date",
    "instrument": "str",
    "item": "str",
    "value": "float",
    "score": "float",
    "service": "str",
    "format": "str",
    "interpreter_present": "bool",
    "mandated": "bool",
    "phase": "str",
    "research_consent": "bool",
}

_CATEGORICAL = ("service", "format", "phase")
_MAX_CATEGORY_LENGTH = 64
_MAX_CATEGORIES = 50
_MIN_KEY_BYTES = 16

_BASE_LABELS = {
    "client_id": "Research id of the client (keyed hash)",
    "episode_id": "Research id of the episode of care (keyed hash)",
    "practitioner_id": "Research id of the practitioner (keyed hash)",
    "session_number": "Session number within the episode",
    "days_since_start": "Days from the start of the episode to the session",
    "instrument": "Instrument",
    "service": "Service",
    "format": "Session format",
    "interpreter_present": "Interpreter present in the session",
    "mandated": "Episode mandated or legally coerced",
    "phase": "Phase of the episode at the session",
    "score": "Total score of the instrument",
    "n_sessions": "Number of sessions with data in the episode",
}


def research_id(project_key: bytes | str, kind: str, key: object) -> str:
    """Stable pseudonymous id: the first 20 hex digits of HMAC-SHA256(key, kind:key).

    80 bits keep collisions negligible (about 4e-13 for a million clients) while staying
    short enough to read. ``kind`` ("client", "episode", "practitioner") keeps ids of
    different things apart even when their clinic keys are equal.
    """
    secret = project_key.encode() if isinstance(project_key, str) else bytes(project_key)
    if len(secret) < _MIN_KEY_BYTES:
        raise ValueError(f"the project key must be at least {_MIN_KEY_BYTES} bytes")
    digest = hmac.new(secret, f"{kind}:{key}".encode(), hashlib.sha256).hexdigest()
    prefix = {"client": "C", "episode": "E", "practitioner": "P"}.get(kind, "X")
    return f"{prefix}{digest[:20]}"


def safe_name(*parts: str | int) -> str:
    """Return a column name from `parts`: lower-case letters, digits and _, at most 64."""
    name = "_".join(str(p) for p in parts)
    name = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower()
    if not name or not name[0].isalpha():
        name = "v_" + name
    return name[:64]


@dataclass(frozen=True)
class ResearchDataset:
    """The long and wide data sets with their codebooks."""

    long: pd.DataFrame
    wide: pd.DataFrame
    codebook_long: pd.DataFrame
    codebook_wide: pd.DataFrame
    n_clients: int
    n_excluded_clients: int


def _validate(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise KeyError(f"tidy frame lacks columns: {', '.join(missing)}")
    keep = list(TIDY_COLUMNS) + [c for c in frame.columns if str(c).startswith("score_")]
    out = frame[keep].copy()
    for col in ("episode_start", "session_date"):
        out[col] = pd.to_datetime(out[col], errors="raise")
    for col in ("interpreter_present", "mandated", "research_consent"):
        out[col] = out[col].map(_to_bool)
    for col in _CATEGORICAL:
        values = out[col].dropna().astype(str)
        if (values.str.len() > _MAX_CATEGORY_LENGTH).any() or values.nunique() > _MAX_CATEGORIES:
            raise ValueError(
                f"column {col} looks like free text (values over {_MAX_CATEGORY_LENGTH} "
                f"characters or more than {_MAX_CATEGORIES} distinct values): use codes"
            )
        out[col] = out[col].astype("string")
    out["session_number"] = pd.to_numeric(out["session_number"], errors="raise").astype(int)
    for col in ["value", "score", *[c for c in out.columns if c.startswith("score_")]]:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["instrument"] = out["instrument"].astype(str)
    out["item"] = out["item"].astype(str)
    return out


def _to_bool(value: object) -> bool | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes", "t", "y"):
            return True
        if low in ("false", "0", "no", "f", "n", ""):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return bool(value)


def build_datasets(
    tidy: Table,
    project_key: bytes | str,
    *,
    instruments: Mapping[str, Mapping[str, Any]] | None = None,
    max_waves: int | None = None,
) -> ResearchDataset:
    """Build the consented, pseudonymised long and wide data sets with codebooks.

    Parameters
    ----------
    tidy : DataFrame with ``TIDY_COLUMNS`` (one row per item response)
    project_key : the research project's secret key (16+ bytes) for research ids
    instruments : optional metadata per instrument id, used in the codebook:
        ``{"label": str, "licence": str, "items": {item: label}, "values": {code: label},
        "subscales": {name: label}}``
    max_waves : keep sessions 1..max_waves in the wide form (default: all)
    """
    frame = _validate(as_pandas(tidy))
    meta = dict(instruments or {})
    consent = frame.groupby("client_key")["research_consent"].agg(
        lambda s: bool(s.notna().all() and s.all())
    )
    consenting = consent[consent].index
    n_excluded = int((~consent).sum())
    frame = frame[frame["client_key"].isin(consenting)]

    ids = {}
    for kind in ("client", "episode", "practitioner"):
        key_column = frame[f"{kind}_key"]
        mapping = {k: research_id(project_key, kind, k) for k in key_column.unique()}
        ids[f"{kind}_id"] = key_column.map(mapping)
    frame = frame.assign(
        **ids,
        days_since_start=(frame["session_date"] - frame["episode_start"]).dt.days.astype(int),
    )
    subscales = sorted(c for c in frame.columns if c.startswith("score_"))
    keys = ["client_id", "episode_id", "practitioner_id", "session_number", "instrument"]
    session_cols = [
        "days_since_start",
        "service",
        "format",
        "interpreter_present",
        "mandated",
        "phase",
    ]

    pairs = frame[["instrument", "item"]].drop_duplicates()
    names = {
        (i, t): safe_name(i, t) for i, t in zip(pairs["instrument"], pairs["item"], strict=True)
    }
    frame["item_column"] = pd.MultiIndex.from_frame(frame[["instrument", "item"]]).map(names)
    items = frame.groupby([*keys, "item_column"], sort=True)["value"].first().unstack()
    firsts = frame.groupby(keys, sort=True)[session_cols + ["score", *subscales]].first()
    long = firsts.join(items, how="left").reset_index()
    item_cols = sorted(items.columns, key=_natural)
    long = long[keys + session_cols + ["score", *subscales] + item_cols]
    long = long.sort_values(["client_id", "episode_id", "session_number", "instrument"])
    long = long.reset_index(drop=True)
    for col in ("interpreter_present", "mandated"):
        long[col] = long[col].astype("boolean")

    item_meta = (
        frame[["item_column", "instrument", "item"]]
        .drop_duplicates("item_column")
        .set_index("item_column")
    )
    codebook_long = _codebook(long, item_meta, subscales, meta)

    wide = _wide(long, subscales, max_waves)
    instrument_names = {safe_name(i): i for i in long["instrument"].unique()}
    codebook_wide = _codebook_wide(wide, instrument_names, meta)
    return ResearchDataset(
        long=long,
        wide=wide,
        codebook_long=codebook_long,
        codebook_wide=codebook_wide,
        n_clients=len(consenting),
        n_excluded_clients=n_excluded,
    )


def _natural(name: str) -> list[int | str]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _wide(long: pd.DataFrame, subscales: list[str], max_waves: int | None) -> pd.DataFrame:
    data = long if max_waves is None else long[long["session_number"] <= max_waves]
    ep_cols = ["client_id", "episode_id", "practitioner_id"]
    episode = data.groupby("episode_id", sort=True).agg(
        client_id=("client_id", "first"),
        practitioner_id=("practitioner_id", "first"),
        service=("service", "first"),
        mandated=("mandated", "first"),
        n_sessions=("session_number", "nunique"),
    )
    pieces = [episode.reset_index()[[*ep_cols, "service", "mandated", "n_sessions"]]]
    sessions = data.drop_duplicates(["episode_id", "session_number"])
    days = sessions.pivot(index="episode_id", columns="session_number", values="days_since_start")
    days.columns = [f"days_s{s}" for s in days.columns]
    pieces.append(days)
    for col in ("format", "interpreter_present", "phase"):
        wave = sessions.pivot(index="episode_id", columns="session_number", values=col)
        wave.columns = [f"{col}_s{s}" for s in wave.columns]
        pieces.append(wave)
    for inst, part in data.groupby("instrument", sort=True):
        for col in ["score", *subscales]:
            if part[col].isna().all():
                continue
            wave = part.pivot(index="episode_id", columns="session_number", values=col)
            wave.columns = [safe_name(str(inst), col, f"s{s}") for s in wave.columns]
            pieces.append(wave)
    wide = pieces[0].set_index("episode_id")
    for piece in pieces[1:]:
        wide = wide.join(piece, how="left")
    wide = wide.reset_index()
    for col in wide.columns:
        if col == "mandated" or col.startswith("interpreter_present_s"):
            wide[col] = wide[col].astype("boolean")
    order = ["client_id", "episode_id", "practitioner_id", "service", "mandated", "n_sessions"]
    rest = sorted([c for c in wide.columns if c not in order], key=_natural)
    return wide[order + rest].sort_values(["client_id", "episode_id"]).reset_index(drop=True)


def _type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "float"
    return "string"


def _values(series: pd.Series, kind: str) -> str:
    if kind == "boolean":
        return "0=no; 1=yes"
    if kind == "string":
        cats = sorted(series.dropna().astype(str).unique())
        if series.name in ("client_id", "episode_id", "practitioner_id"):
            return "20 hex digits after a letter (C, E, P)"
        return "; ".join(f"{i}={c}" for i, c in enumerate(cats, start=1))
    vals = series.dropna()
    if vals.empty:
        return ""
    return f"{vals.min():g} to {vals.max():g}"


def _codebook(
    long: pd.DataFrame,
    item_meta: pd.DataFrame,
    subscales: list[str],
    meta: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    rows = []
    for col in long.columns:
        kind = _type(long[col])
        instrument = ""
        licence = ""
        label = _BASE_LABELS.get(col, "")
        if col in item_meta.index:
            instrument = str(item_meta.loc[col, "instrument"])
            item = str(item_meta.loc[col, "item"])
            m = meta.get(instrument, {})
            label = m.get("items", {}).get(item) or f"{m.get('label', instrument)}: item {item}"
            licence = m.get("licence", "")
            values = m.get("values")
            value_text = (
                "; ".join(f"{k}={v}" for k, v in values.items())
                if values
                else _values(long[col], kind)
            )
        elif col in subscales:
            sub = col[len("score_") :]
            label = f"Subscale score: {sub}"
            value_text = _values(long[col], kind)
        else:
            value_text = _values(long[col], kind)
        rows.append(
            {
                "variable": col,
                "type": kind,
                "label": label,
                "values": value_text,
                "instrument": instrument,
                "licence": licence,
            }
        )
    return pd.DataFrame(rows)


def _codebook_wide(
    wide: pd.DataFrame, instruments: dict[str, str], meta: Mapping[str, Mapping[str, Any]]
) -> pd.DataFrame:
    rows = []
    for col in wide.columns:
        kind = _type(wide[col])
        instrument = ""
        licence = ""
        label = _BASE_LABELS.get(col, "")
        match = re.match(r"^(.*)_s(\d+)$", col)
        if not label and match:
            stem, wave = match.group(1), match.group(2)
            if stem in ("days", "format", "interpreter_present", "phase"):
                base = _BASE_LABELS["days_since_start" if stem == "days" else stem]
                label = f"{base}, session {wave}"
            else:
                safe = next(
                    (
                        k
                        for k in sorted(instruments, key=len, reverse=True)
                        if stem.startswith(k + "_")
                    ),
                    "",
                )
                instrument = instruments.get(safe, "")
                m = meta.get(instrument, {})
                licence = m.get("licence", "")
                what = stem[len(safe) + 1 :]
                what = "total score" if what == "score" else what.replace("score_", "subscale ")
                label = f"{m.get('label', instrument)} {what}, session {wave}"
        rows.append(
            {
                "variable": col,
                "type": kind,
                "label": label,
                "values": _values(wide[col], kind),
                "instrument": instrument,
                "licence": licence,
            }
        )
    return pd.DataFrame(rows)


def write_dataset(
    frame: pd.DataFrame, codebook: pd.DataFrame, path: str | Path, fmt: str | None = None
) -> Path:
    """Write a data set as CSV, Parquet or SPSS ``.sav`` (with variable and value labels).

    The format comes from ``fmt`` or the file suffix. For SPSS, booleans become 0/1 and
    string categories become integer codes, both with value labels from the codebook;
    research ids stay strings.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt in ("sav", "spss"):
        import pyreadstat

        out = frame.copy()
        labels = dict(zip(codebook["variable"], codebook["label"], strict=True))
        value_labels: dict[str, dict[float, str]] = {}
        for col in out.columns:
            kind = codebook.set_index("variable").loc[col, "type"]
            if kind == "boolean":
                out[col] = out[col].map({True: 1.0, False: 0.0})
                value_labels[col] = {0.0: "no", 1.0: "yes"}
            elif kind == "string" and col not in ("client_id", "episode_id", "practitioner_id"):
                cats = sorted(out[col].dropna().astype(str).unique())
                codes = {c: float(i) for i, c in enumerate(cats, start=1)}
                out[col] = out[col].map(
                    lambda v, codes=codes: codes.get(str(v)) if pd.notna(v) else np.nan
                )
                value_labels[col] = {v: k for k, v in codes.items()}
            elif kind == "string":
                out[col] = out[col].astype(str)
        pyreadstat.write_sav(
            out,
            str(path),
            column_labels=[labels.get(c, "") for c in out.columns],
            variable_value_labels=value_labels,
        )
    else:
        raise ValueError("format must be csv, parquet or sav")
    return path
