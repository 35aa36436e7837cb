"""Frozen dataclasses describing an instrument, built from a validated data file."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

DEFAULT_LANGUAGE = "en"

Direction = Literal["higher_is_worse", "higher_is_better"]

_OPS = {
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
    "eq": operator.eq,
}


def pick_text(texts: Mapping[str, str], lang: str | None = None) -> str:
    """Return the text in ``lang``, else its base language, else English."""
    if lang:
        if lang in texts:
            return texts[lang]
        base = lang.split("-")[0].split("_")[0].lower()
        if base in texts:
            return texts[base]
    return texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


def compare(op: str, left: float, right: float) -> bool:
    """Apply a named comparison (``ge``, ``gt``, ``le``, ``lt``, ``eq``)."""
    return bool(_OPS[op](left, right))


@dataclass(frozen=True, eq=False)
class AnswerOption:
    """One answer option of a Likert or choice item."""

    value: float
    labels: Mapping[str, str]
    loinc: str | None = None

    def label(self, lang: str | None = None) -> str:
        """Return the option label in ``lang`` (falls back to English)."""
        return pick_text(self.labels, lang)


@dataclass(frozen=True, eq=False)
class AnswerSet:
    """A response format: ordered options (``likert``/``choice``) or a 0–10 style ``vas``."""

    id: str
    kind: Literal["likert", "choice", "vas"]
    options: tuple[AnswerOption, ...]
    min: float
    max: float
    step: float | None = None
    min_label: Mapping[str, str] | None = None
    max_label: Mapping[str, str] | None = None
    loinc: str | None = None

    @property
    def values(self) -> tuple[float, ...]:
        """Allowed values of an option set (empty for a VAS)."""
        return tuple(o.value for o in self.options)

    def accepts(self, value: float) -> bool:
        """Whether ``value`` is a legal answer."""
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return False
        if self.kind == "vas":
            return self.min <= value <= self.max
        return any(value == v for v in self.values)


@dataclass(frozen=True, eq=False)
class Item:
    """One question."""

    id: str
    texts: Mapping[str, str]
    answers: AnswerSet
    loinc: str | None = None
    domain: str | None = None
    scored: bool = True
    required: bool = True
    reverse: bool = False
    enable_when: tuple[str, float] | None = None

    def text(self, lang: str | None = None) -> str:
        """Return the item text in ``lang`` (falls back to English)."""
        return pick_text(self.texts, lang)

    @property
    def kind(self) -> str:
        return self.answers.kind

    @property
    def options(self) -> tuple[AnswerOption, ...]:
        return self.answers.options

    @property
    def min(self) -> float:
        return self.answers.min

    @property
    def max(self) -> float:
        return self.answers.max

    def keyed(self, value: float) -> float:
        """Return the value as it enters the score (reversed when reverse-keyed).

        Reversal maps x to (min + max − x), so applying it twice is the identity.
        """
        return (self.min + self.max - value) if self.reverse else value


@dataclass(frozen=True, eq=False)
class Subscale:
    id: str
    names: Mapping[str, str]
    items: tuple[str, ...]
    method: Literal["sum", "mean"]
    max_missing: int = 0

    def name(self, lang: str | None = None) -> str:
        return pick_text(self.names, lang)


@dataclass(frozen=True, eq=False)
class Band:
    """A severity band: covers ``min`` up to (not including) the next band's ``min``."""

    id: str
    min: float
    max: float
    labels: Mapping[str, str]

    def label(self, lang: str | None = None) -> str:
        return pick_text(self.labels, lang)


@dataclass(frozen=True, eq=False)
class ClinicalCutoff:
    value: float
    clinical_if: Literal["ge", "gt", "le", "lt"]
    source: str

    def is_clinical(self, score: float) -> bool:
        """Whether ``score`` lies in the clinical range."""
        return compare(self.clinical_if, score, self.value)


@dataclass(frozen=True, eq=False)
class ReliableChangeCriterion:
    """Either a documented fixed threshold or Jacobson–Truax from reliability and SD."""

    method: Literal["fixed", "jacobson_truax"]
    source: str
    threshold_value: float | None = None
    inclusive: bool = True
    reliability: float | None = None
    reliability_type: str | None = None
    sd: float | None = None

    @property
    def s_diff(self) -> float | None:
        """Standard error of the difference, S_diff = SD·√2·√(1 − r_xx) (None if fixed)."""
        if self.method != "jacobson_truax":
            return None
        # Validation guarantees both for this method.
        sd, reliability = cast(float, self.sd), cast(float, self.reliability)
        return sd * math.sqrt(2.0) * math.sqrt(1.0 - reliability)

    @property
    def threshold(self) -> float:
        """Smallest reliable raw change: fixed value, or 1.96·S_diff."""
        if self.method == "fixed":
            return float(cast(float, self.threshold_value))
        return 1.96 * cast(float, self.s_diff)


@dataclass(frozen=True, eq=False)
class Trigger:
    """An item-level rule: fires when ``value(item) <op> value``."""

    item: str
    op: str
    value: float
    messages: Mapping[str, str]
    id: str | None = None
    source: str | None = None

    def fires(self, answer: float | None) -> bool:
        return answer is not None and compare(self.op, answer, self.value)

    def message(self, lang: str | None = None) -> str:
        return pick_text(self.messages, lang)


@dataclass(frozen=True, eq=False)
class ScoringRule:
    """Total = transform(sum or mean of keyed items, pro-rated if few items are missing).

    transform(x) = x · multiplier + offset (WHO-5: raw sum × 4).
    """

    method: Literal["sum", "mean"]
    max_missing: int
    range_min: float
    range_max: float
    multiplier: float = 1.0
    offset: float = 0.0
    round_prorated: bool = False
    missing_rule_source: str | None = None
    source: str | None = None


@dataclass(frozen=True, eq=False)
class Instrument:
    """A questionnaire definition. Build with :func:`alliance.instruments.load_instrument`."""

    id: str
    names: Mapping[str, str]
    short_name: str
    version: str
    construct: str
    respondent: str
    languages: tuple[str, ...]
    recall_periods: Mapping[str, str]
    instructions_text: Mapping[str, str] | None
    validated: bool
    validation_notes: Mapping[str, str] | None
    placeholder: bool
    text_may_be_shown: bool
    licence: str
    citation: str
    copyright: str | None
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    scoring: ScoringRule
    direction: Direction
    bands: tuple[Band, ...]
    clinical_cutoff: ClinicalCutoff | None
    reliable_change: ReliableChangeCriterion | None
    critical_items: tuple[Trigger, ...]
    signals: tuple[Trigger, ...]
    loinc_panel: str | None = None
    loinc_total: str | None = None
    recall_days: int | None = None
    bands_source: str | None = None
    notes: str | None = None
    source_path: Path | None = None
    origin: Literal["shipped", "clinic", "file"] = "file"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    # -- look-ups -----------------------------------------------------------------------
    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {i.id: i for i in self.items})

    def __repr__(self) -> str:
        return f"Instrument({self.id!r}, version={self.version!r}, origin={self.origin!r})"

    def item(self, item_id: str) -> Item:
        """Return the item with id ``item_id`` (KeyError if unknown)."""
        return cast(Item, self._by_id[str(item_id)])  # type: ignore[attr-defined]

    def has_item(self, item_id: str) -> bool:
        return str(item_id) in self._by_id  # type: ignore[attr-defined]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @property
    def scored_item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items if i.scored)

    @property
    def reverse_keyed(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items if i.reverse)

    def options(self, item_id: str) -> tuple[AnswerOption, ...]:
        return self.item(item_id).options

    def subscale(self, subscale_id: str) -> Subscale:
        for s in self.subscales:
            if s.id == subscale_id:
                return s
        raise KeyError(subscale_id)

    # -- texts --------------------------------------------------------------------------
    def name(self, lang: str | None = None) -> str:
        return pick_text(self.names, lang)

    def text(self, item_id: str, lang: str | None = None) -> str:
        """Item text in ``lang`` with fallback to English."""
        return self.item(item_id).text(lang)

    def recall_period(self, lang: str | None = None) -> str:
        return pick_text(self.recall_periods, lang)

    def instructions(self, lang: str | None = None) -> str | None:
        return pick_text(self.instructions_text, lang) if self.instructions_text else None

    def validation_note(self, lang: str | None = None) -> str | None:
        return pick_text(self.validation_notes, lang) if self.validation_notes else None

    @property
    def attribution(self) -> str:
        """Citation and licence line to show wherever the instrument is displayed."""
        parts = [self.citation]
        if self.copyright:
            parts.append(self.copyright)
        parts.append(f"Licence: {self.licence}")
        return " ".join(p.strip() for p in parts)

    # -- interpretation -----------------------------------------------------------------
    @property
    def range(self) -> tuple[float, float]:
        return (self.scoring.range_min, self.scoring.range_max)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher_is_better"

    @property
    def cutoff(self) -> float | None:
        return self.clinical_cutoff.value if self.clinical_cutoff else None

    def band_for(self, total: float | None) -> Band | None:
        """Return the band containing ``total`` (lower-bound look-up), or None."""
        if total is None or not self.bands:
            return None
        found = None
        for band in self.bands:
            if total >= band.min:
                found = band
        return found

    def is_clinical(self, total: float) -> bool | None:
        """Whether ``total`` is in the clinical range (None without a cut-off)."""
        return self.clinical_cutoff.is_clinical(total) if self.clinical_cutoff else None

    def reliable_change_threshold(self) -> float | None:
        """Smallest reliable raw change on the total, or None when the instrument has none."""
        return self.reliable_change.threshold if self.reliable_change else None
