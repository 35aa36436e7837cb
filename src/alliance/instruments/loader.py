"""Load and validate instrument definition files.

Shipped definitions live next to this module (``*.yaml``). A clinic's own, licensed
definitions live in ``$ALLIANCE_HOME/instruments/`` (default ``./alliance-data/instruments/``)
and override shipped ones with the same id. Every file is checked against
``instrument-schema.json`` and then by semantic rules; errors name the file and the field.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .model import (
    AnswerOption,
    AnswerSet,
    Band,
    ClinicalCutoff,
    Instrument,
    Item,
    ReliableChangeCriterion,
    ScoringRule,
    Subscale,
    Trigger,
)

SHIPPED_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = SHIPPED_DIR / "instrument-schema.json"
SUFFIXES = (".yaml", ".yml", ".json")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class InstrumentError(ValueError):
    """Base class for instrument look-up and definition problems."""


class UnknownInstrumentError(InstrumentError, KeyError):
    """No instrument with this id is shipped or loaded."""

    def __init__(self, instrument_id: str, known: Iterable[str] = ()) -> None:
        self.instrument_id = instrument_id
        known = sorted(known)
        hint = f" Known instruments: {', '.join(known)}." if known else ""
        super().__init__(f"Unknown instrument {instrument_id!r}.{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class InstrumentDefinitionError(InstrumentError):
    """A definition file is malformed; ``problems`` holds (field path, message) pairs."""

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]) -> None:
        self.path = Path(path)
        self.problems = problems
        lines = [f"{self.path}: {field}: {msg}" for field, msg in problems]
        super().__init__("Invalid instrument definition\n  " + "\n  ".join(lines))


def clinic_dir() -> Path:
    """Directory of clinic-loaded definitions: ``$ALLIANCE_HOME/instruments``."""
    home = os.environ.get("ALLIANCE_HOME") or str(Path.cwd() / "alliance-data")
    return Path(home) / "instruments"


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _fmt_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def read_definition(path: Path | str) -> dict[str, Any]:
    """Read a YAML or JSON definition file into a dict (no validation)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InstrumentDefinitionError(path, [("(file)", "expected a .yaml, .yml or .json file")])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentDefinitionError(path, [("(file)", f"cannot read: {exc}")]) from exc
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - (C)SafeLoader only
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise InstrumentDefinitionError(path, [("(file)", f"cannot parse: {exc}")]) from exc
    if not isinstance(data, dict):
        raise InstrumentDefinitionError(path, [("(top level)", "must be a mapping")])
    return data


def schema_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """JSON-Schema violations as (field path, message), sorted by path."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    out = []
    for err in errors:
        out.append((_fmt_path(err.absolute_path), _message(err)))
    return out


def _message(err: jsonschema.ValidationError) -> str:
    """Readable message; 'not' clauses (fields that exclude each other) get named."""
    clause = err.validator_value
    if err.validator == "not" and isinstance(err.instance, dict) and isinstance(clause, dict):
        groups = clause.get("anyOf", [clause])
        keys = sorted({k for g in groups for k in g.get("required", ()) if k in err.instance})
        mode = err.instance.get("method") or err.instance.get("kind")
        return f"field(s) {', '.join(keys)} not allowed here (with {mode!r})"
    return str(err.message)


def _computed_range(data: Mapping[str, Any]) -> tuple[float, float] | None:
    sets = data["answer_sets"]
    scored = [i for i in data["items"] if i.get("scored", True)]
    if not scored or any(i["answers"] not in sets for i in scored):
        return None
    lows, highs = [], []
    for it in scored:
        s = sets[it["answers"]]
        if s["kind"] == "vas":
            lo, hi = s["min"], s["max"]
        else:
            vals = [o["value"] for o in s["options"]]
            lo, hi = min(vals), max(vals)
        lows.append(lo)
        highs.append(hi)
    sc = data["scoring"]
    agg = sum if sc["method"] == "sum" else (lambda v: sum(v) / len(v))
    mult, off = sc.get("multiplier", 1), sc.get("offset", 0)
    return agg(lows) * mult + off, agg(highs) * mult + off


def semantic_problems(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rules beyond the schema: references exist, bands tile the range, texts complete."""
    p: list[tuple[str, str]] = []
    sets = data["answer_sets"]
    items = data["items"]
    langs = set(data["languages"])
    ids = [it["id"] for it in items]
    by_id = {it["id"]: it for it in items}

    def check_langs(texts: Mapping[str, str], where: str) -> None:
        missing = sorted(langs - set(texts))
        extra = sorted(set(texts) - langs)
        if missing:
            p.append((where, f"missing translation(s) for declared language(s) {missing}"))
        if extra:
            p.append((where, f"language(s) {extra} not declared in 'languages'"))

    if "en" not in langs:
        p.append(("languages", "must include 'en'"))
    for key in ("name", "recall_period", "instructions", "validation_note"):
        if key in data:
            check_langs(data[key], key)

    for sid, s in sets.items():
        if s["kind"] == "vas":
            if not s["min"] < s["max"]:
                p.append((f"answer_sets.{sid}", "min must be below max"))
            for k in ("min_label", "max_label"):
                if k in s:
                    check_langs(s[k], f"answer_sets.{sid}.{k}")
        else:
            vals = [o["value"] for o in s["options"]]
            if len(set(vals)) != len(vals):
                p.append((f"answer_sets.{sid}.options", f"duplicate option values {vals}"))
            for n, o in enumerate(s["options"]):
                check_langs(o["label"], f"answer_sets.{sid}.options[{n}].label")
    expected = [str(n) for n in range(1, len(items) + 1)]
    if ids != expected:
        p.append(("items", f"item ids must be '1'..'{len(items)}' in order, got {ids}"))
    for n, it in enumerate(items):
        where = f"items[{n}]"
        check_langs(it["text"], f"{where}.text")
        if it["answers"] not in sets:
            p.append((f"{where}.answers", f"unknown answer set {it['answers']!r}"))
        ew = it.get("enable_when")
        if ew:
            src = by_id.get(ew["item"])
            if src is None or ids.index(ew["item"]) >= n:
                p.append(
                    (f"{where}.enable_when.item", f"must name an earlier item, got {ew['item']!r}")
                )
            elif src["answers"] in sets and sets[src["answers"]]["kind"] != "vas":
                vals = [o["value"] for o in sets[src["answers"]]["options"]]
                if ew["equals"] not in vals:
                    p.append(
                        (
                            f"{where}.enable_when.equals",
                            f"{ew['equals']} is not an option of item {ew['item']}",
                        )
                    )
            if it.get("scored", True):
                p.append((f"{where}.enable_when", "conditional items cannot be scored"))

    scored = [it["id"] for it in items if it.get("scored", True)]
    if not scored:
        p.append(("items", "at least one item must be scored"))
    for n, rid in enumerate(data.get("reverse_keyed", [])):
        if rid not in by_id:
            p.append((f"reverse_keyed[{n}]", f"unknown item {rid!r}"))
        elif sets.get(by_id[rid]["answers"], {}).get("kind") == "choice":
            p.append((f"reverse_keyed[{n}]", f"item {rid!r} has unordered (choice) answers"))
        elif rid not in scored:
            p.append((f"reverse_keyed[{n}]", f"item {rid!r} is not scored"))

    seen: set[str] = set()
    for n, sub in enumerate(data.get("subscales", [])):
        where = f"subscales[{n}]"
        if sub["id"] in seen:
            p.append((f"{where}.id", f"duplicate subscale id {sub['id']!r}"))
        seen.add(sub["id"])
        check_langs(sub["name"], f"{where}.name")
        for position, iid in enumerate(sub["items"]):
            if iid not in by_id:
                p.append((f"{where}.items[{position}]", f"unknown item {iid!r}"))
            elif iid not in scored:
                p.append((f"{where}.items[{position}]", f"item {iid!r} is not scored"))
        if sub.get("max_missing", 0) >= len(sub["items"]):
            p.append((f"{where}.max_missing", "must be below the number of items"))

    sc = data["scoring"]
    if sc["max_missing"] >= max(len(scored), 1):
        p.append(("scoring.max_missing", "must be below the number of scored items"))
    lo, hi = sc["range"]["min"], sc["range"]["max"]
    if not lo < hi:
        p.append(("scoring.range", "min must be below max"))
    computed = _computed_range(data)
    if computed and not (math.isclose(computed[0], lo) and math.isclose(computed[1], hi)):
        p.append(
            (
                "scoring.range",
                f"declared {lo}..{hi} but items give {computed[0]:g}..{computed[1]:g}",
            )
        )

    bands = data.get("bands", [])
    bseen: set[str] = set()
    for n, b in enumerate(bands):
        check_langs(b["label"], f"bands[{n}].label")
        if b["id"] in bseen:
            p.append((f"bands[{n}].id", f"duplicate band id {b['id']!r}"))
        bseen.add(b["id"])
        if b["min"] > b["max"]:
            p.append((f"bands[{n}]", "min above max"))
        if n and not (bands[n - 1]["max"] < b["min"] <= bands[n - 1]["max"] + 1):
            p.append(
                (
                    f"bands[{n}].min",
                    f"bands must be contiguous: previous band ends at {bands[n - 1]['max']}, this starts at {b['min']}",
                )
            )
    if bands:
        if bands[0]["min"] != lo:
            p.append(("bands[0].min", f"first band must start at the range minimum {lo}"))
        if bands[-1]["max"] != hi:
            p.append(
                (f"bands[{len(bands) - 1}].max", f"last band must end at the range maximum {hi}")
            )

    cut = data.get("clinical_cutoff")
    if cut:
        if not lo <= cut["value"] <= hi:
            p.append(("clinical_cutoff.value", f"{cut['value']} outside the range {lo}..{hi}"))
        worse_high = data["direction"] == "higher_is_worse"
        if worse_high != (cut["clinical_if"] in ("ge", "gt")):
            p.append(
                (
                    "clinical_cutoff.clinical_if",
                    f"{cut['clinical_if']!r} contradicts direction {data['direction']!r}",
                )
            )
    rc = data.get("reliable_change")
    if rc and rc["method"] == "fixed" and rc["threshold"] > hi - lo:
        p.append(("reliable_change.threshold", "larger than the whole range"))

    for key in ("critical_items", "signals"):
        tseen: set[str] = set()
        for n, t in enumerate(data.get(key, [])):
            where = f"{key}[{n}]"
            check_langs(t["message"], f"{where}.message")
            if t.get("id"):
                if t["id"] in tseen:
                    p.append((f"{where}.id", f"duplicate id {t['id']!r}"))
                tseen.add(t["id"])
            it = by_id.get(t["item"])
            if it is None:
                p.append((f"{where}.item", f"unknown item {t['item']!r}"))
                continue
            s = sets.get(it["answers"])
            if s:
                vals = (
                    [s["min"], s["max"]]
                    if s["kind"] == "vas"
                    else [o["value"] for o in s["options"]]
                )
                if not min(vals) <= t["value"] <= max(vals):
                    p.append((f"{where}.value", f"{t['value']} outside item {t['item']}'s answers"))

    if data.get("placeholder") and data["text_may_be_shown"]:
        p.append(
            ("text_may_be_shown", "a placeholder definition cannot have text that may be shown")
        )
    return p


def _build(data: Mapping[str, Any], path: Path | None, origin: str) -> Instrument:
    sets: dict[str, AnswerSet] = {}
    for sid, s in data["answer_sets"].items():
        if s["kind"] == "vas":
            sets[sid] = AnswerSet(
                id=sid,
                kind="vas",
                options=(),
                min=float(s["min"]),
                max=float(s["max"]),
                step=s.get("step"),
                min_label=s.get("min_label"),
                max_label=s.get("max_label"),
            )
        else:
            opts = tuple(
                AnswerOption(value=o["value"], labels=o["label"], loinc=o.get("loinc"))
                for o in s["options"]
            )
            vals = [o.value for o in opts]
            sets[sid] = AnswerSet(
                id=sid,
                kind=s["kind"],
                options=opts,
                min=float(min(vals)),
                max=float(max(vals)),
                loinc=s.get("loinc"),
            )
    reverse = set(data.get("reverse_keyed", []))
    items = tuple(
        Item(
            id=it["id"],
            texts=it["text"],
            answers=sets[it["answers"]],
            loinc=it.get("loinc"),
            domain=it.get("domain"),
            scored=it.get("scored", True),
            required=it.get("required", True),
            reverse=it["id"] in reverse,
            enable_when=(it["enable_when"]["item"], it["enable_when"]["equals"])
            if "enable_when" in it
            else None,
        )
        for it in data["items"]
    )
    sc = data["scoring"]
    scoring = ScoringRule(
        method=sc["method"],
        max_missing=sc["max_missing"],
        range_min=float(sc["range"]["min"]),
        range_max=float(sc["range"]["max"]),
        multiplier=float(sc.get("multiplier", 1)),
        offset=float(sc.get("offset", 0)),
        round_prorated=sc.get("round_prorated", False),
        missing_rule_source=sc.get("missing_rule_source"),
        source=sc.get("source"),
    )
    subs = tuple(
        Subscale(
            id=s["id"],
            names=s["name"],
            items=tuple(s["items"]),
            method=s.get("method", sc["method"]),
            max_missing=s.get("max_missing", 0),
        )
        for s in data.get("subscales", [])
    )
    bands = tuple(
        Band(id=b["id"], min=b["min"], max=b["max"], labels=b["label"])
        for b in data.get("bands", [])
    )
    cut = data.get("clinical_cutoff")
    rc = data.get("reliable_change")

    def trig(t: Mapping[str, Any]) -> Trigger:
        return Trigger(
            item=t["item"],
            op=t["op"],
            value=t["value"],
            messages=t["message"],
            id=t.get("id"),
            source=t.get("source"),
        )

    loinc = data.get("loinc", {})
    return Instrument(
        id=data["id"],
        names=data["name"],
        short_name=data["short_name"],
        version=data["version"],
        construct=data["construct"],
        respondent=data["respondent"],
        languages=tuple(data["languages"]),
        recall_periods=data["recall_period"],
        instructions_text=data.get("instructions"),
        validated=data["validated"],
        validation_notes=data.get("validation_note"),
        placeholder=data.get("placeholder", False),
        text_may_be_shown=data["text_may_be_shown"],
        licence=data["licence"],
        citation=data["citation"],
        copyright=data.get("copyright"),
        items=items,
        subscales=subs,
        scoring=scoring,
        direction=data["direction"],
        bands=bands,
        clinical_cutoff=ClinicalCutoff(cut["value"], cut["clinical_if"], cut["source"])
        if cut
        else None,
        reliable_change=ReliableChangeCriterion(
            method=rc["method"],
            source=rc["source"],
            threshold_value=rc.get("threshold"),
            inclusive=rc.get("inclusive", rc["method"] == "fixed"),
            reliability=rc.get("reliability"),
            reliability_type=rc.get("reliability_type"),
            sd=rc.get("sd"),
        )
        if rc
        else None,
        critical_items=tuple(trig(t) for t in data.get("critical_items", [])),
        signals=tuple(trig(t) for t in data.get("signals", [])),
        loinc_panel=loinc.get("panel"),
        loinc_total=loinc.get("total"),
        recall_days=data.get("recall_days"),
        bands_source=data.get("bands_source"),
        notes=data.get("notes"),
        source_path=path,
        origin=origin,  # type: ignore[arg-type]
        raw=data,
    )


def instrument_from_dict(
    data: Mapping[str, Any], path: Path | str = "<dict>", origin: str = "file"
) -> Instrument:
    """Validate a definition given as a dict and build the :class:`Instrument`."""
    problems = schema_problems(data)
    if not problems:
        problems = semantic_problems(data)
    if problems:
        raise InstrumentDefinitionError(path, problems)
    return _build(data, Path(path) if not isinstance(path, Path) else path, origin)


def validate_file(path: Path | str, origin: str = "file") -> Instrument:
    """Read, validate and build one definition file; raise InstrumentDefinitionError."""
    path = Path(path)
    return instrument_from_dict(read_definition(path), path, origin)


def _files(directory: Path) -> Iterator[Path]:
    if directory.is_dir():
        for p in sorted(directory.iterdir()):
            if p.suffix.lower() in SUFFIXES and p.is_file() and p != SCHEMA_PATH:
                yield p


class InstrumentLibrary(Mapping[str, Instrument]):
    """Instruments by id; later directories override earlier ones."""

    def __init__(self, instruments: Mapping[str, Instrument]) -> None:
        self._by_id = dict(instruments)

    def __getitem__(self, instrument_id: str) -> Instrument:
        try:
            return self._by_id[instrument_id]
        except KeyError:
            raise UnknownInstrumentError(instrument_id, self._by_id) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"InstrumentLibrary({sorted(self._by_id)})"


def _load_dir(directory: Path, origin: str, into: dict[str, Instrument]) -> None:
    for path in _files(directory):
        inst = validate_file(path, origin=origin)
        into[inst.id] = inst


@cache
def _shipped() -> tuple[Instrument, ...]:
    found: dict[str, Instrument] = {}
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        inst = validate_file(path, origin="shipped")
        found[inst.id] = inst
    return tuple(found.values())


DirSignature = tuple[tuple[str, int, int], ...]


def _dir_signature(directory: Path) -> DirSignature:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in _files(directory))


@cache
def _library_cached(key: tuple[tuple[str, str, DirSignature], ...]) -> InstrumentLibrary:
    found = {i.id: i for i in _shipped()}
    for directory, origin, _signature in key:
        _load_dir(Path(directory), origin, found)
    return InstrumentLibrary(found)


def load_library(
    extra_dirs: Iterable[Path | str] = (), *, include_clinic: bool = True
) -> InstrumentLibrary:
    """Load shipped definitions, then the clinic directory, then ``extra_dirs``.

    A definition with the same id as an earlier one replaces it (a clinic's licensed
    WAI-SR replaces the shipped placeholder). Results are cached until a file changes.
    """
    dirs = [(clinic_dir(), "clinic")] if include_clinic else []
    dirs += [(Path(d), "file") for d in extra_dirs]
    # The key holds each directory's file names, mtimes and sizes: an edited or newly
    # loaded file invalidates the cache, also in a long-running web process.
    key = tuple((str(d.resolve()), origin, _dir_signature(d)) for d, origin in dirs)
    return _library_cached(key)


def load_instrument(instrument_id: str) -> Instrument:
    """Return the instrument with this id (clinic definitions override shipped ones)."""
    return load_library()[instrument_id]


def install_file(path: Path | str, target_dir: Path | str | None = None) -> tuple[Instrument, Path]:
    """Validate a definition and copy it into the clinic directory as ``<id><suffix>``.

    Any earlier clinic file for the same id is replaced.
    """
    path = Path(path)
    inst = validate_file(path, origin="clinic")
    target = Path(target_dir) if target_dir else clinic_dir()
    target.mkdir(parents=True, exist_ok=True)
    for old in _files(target):
        try:
            same = old.stem == inst.id or read_definition(old).get("id") == inst.id
        except InstrumentDefinitionError:
            same = False
        if same:
            old.unlink()
    dest = target / f"{inst.id}{path.suffix.lower()}"
    shutil.copyfile(path, dest)
    return inst, dest


def clear_cache() -> None:
    """Forget cached libraries (tests, or after editing shipped files)."""
    _shipped.cache_clear()
    _library_cached.cache_clear()
