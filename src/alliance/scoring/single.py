"""Score one response to one instrument."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alliance.instruments import Instrument, load_instrument

from .errors import OutOfRangeError, UnknownItemError, describe_allowed


@dataclass(frozen=True)
class Score:
    """The scored result of one administration.

    Attributes
    ----------
    instrument : str
        Instrument id.
    total : float or None
        Final score (after pro-rating and transformation), None when not scored.
    raw_total : float or None
        Sum or mean of keyed items before the transformation (e.g. WHO-5 before ×4).
    subscales : dict
        Subscale id → score (None when the subscale's missing-item rule fails).
    band : str or None
        Id of the severity band containing ``total``.
    missing_items : tuple of str
        Scored items without an answer, in instrument order.
    scored : bool
        Whether the missing-item rule allowed a total.
    prorated : bool
        Whether the total was pro-rated over missing items.
    n_answered : int
        Number of scored items answered.
    critical : tuple of str
        Ids of items whose critical trigger fired (e.g. PHQ-9 item 9 above 0).
    signals : tuple of str
        Ids of non-critical signals that fired (e.g. ``rupture``).
    validity : tuple of str
        Flags: ``prorated``, ``too_many_missing``, ``straightlining``.
    """

    instrument: str
    total: float | None
    raw_total: float | None
    subscales: dict[str, float | None]
    band: str | None
    missing_items: tuple[str, ...]
    scored: bool
    prorated: bool
    n_answered: int
    critical: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    validity: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``alliance score --json`` output plus extra fields)."""
        return {
            "instrument": self.instrument,
            "total": self.total,
            "subscales": dict(self.subscales),
            "band": self.band,
            "missing_items": list(self.missing_items),
            "scored": self.scored,
            "critical": list(self.critical),
            "raw_total": self.raw_total,
            "prorated": self.prorated,
            "signals": list(self.signals),
            "validity": list(self.validity),
        }


def round_half_up(x: float) -> float:
    """Round to the nearest integer, halves upwards (not banker's rounding)."""
    return float(math.floor(x + 0.5))


def _aggregate(values: list[float], n_items: int, method: str, round_prorated: bool) -> float:
    if method == "mean":
        return sum(values) / len(values)
    total = sum(values) * n_items / len(values) if len(values) < n_items else float(sum(values))
    if round_prorated and len(values) < n_items:
        total = round_half_up(total)
    return total


def check_responses(
    responses: Mapping[Any, Any], instrument: Instrument, where: str = ""
) -> dict[str, float | None]:
    """Validate item ids and values; return ``{item_id: value or None}``.

    Raises
    ------
    UnknownItemError
        An item id the instrument does not have.
    OutOfRangeError
        A value that is not one of the item's answers (or not a number).
    """
    clean: dict[str, float | None] = {}
    for key, value in responses.items():
        item_id = str(key)
        if not instrument.has_item(item_id):
            raise UnknownItemError(instrument.id, key, where)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            clean[item_id] = None
            continue
        item = instrument.item(item_id)
        if not item.answers.accepts(value):
            raise OutOfRangeError(instrument.id, item_id, value, describe_allowed(item), where)
        clean[item_id] = float(value)
    return clean


def score_response(responses: Mapping[str, float | None], instrument: Instrument | str) -> Score:
    """Score one administration of an instrument.

    Parameters
    ----------
    responses : mapping
        Item id → answer value; ``None``/NaN or an absent key means missing.
    instrument : Instrument or str
        The instrument, or its id (looked up with ``load_instrument``).

    Returns
    -------
    Score

    Notes
    -----
    With k scored items, of which m are answered (x_i keyed: reversed as
    x' = min + max − x for reverse-keyed items):

    * sum:  raw = Σ x'_i · k / m   (pro-rated when m < k; rounded half up if the
      instrument says so)
    * mean: raw = Σ x'_i / m
    * total = raw · multiplier + offset   (WHO-5: raw × 4, Topp et al. 2015)

    No total when k − m exceeds the instrument's ``max_missing``. Subscales follow the
    same rule with their own ``max_missing``. The band is the last band whose lower
    bound is ≤ total.
    """
    inst = load_instrument(instrument) if isinstance(instrument, str) else instrument
    answers = check_responses(responses, inst)
    rule = inst.scoring

    keyed: dict[str, float] = {}
    for item in inst.items:
        v = answers.get(item.id)
        if v is not None and item.scored:
            keyed[item.id] = item.keyed(v)
    scored_ids = inst.scored_item_ids
    missing = tuple(i for i in scored_ids if i not in keyed)
    n_answered = len(scored_ids) - len(missing)
    ok = n_answered > 0 and len(missing) <= rule.max_missing

    raw = total = None
    if ok:
        raw = _aggregate(list(keyed.values()), len(scored_ids), rule.method, rule.round_prorated)
        total = raw * rule.multiplier + rule.offset
    prorated = ok and bool(missing)

    subscales: dict[str, float | None] = {}
    for sub in inst.subscales:
        vals = [keyed[i] for i in sub.items if i in keyed]
        n_miss = len(sub.items) - len(vals)
        subscales[sub.id] = (
            _aggregate(vals, len(sub.items), sub.method, rule.round_prorated)
            if vals and n_miss <= sub.max_missing
            else None
        )

    band = inst.band_for(total)
    critical = tuple(
        dict.fromkeys(t.item for t in inst.critical_items if t.fires(answers.get(t.item)))
    )
    signals = tuple(
        dict.fromkeys(t.id or t.item for t in inst.signals if t.fires(answers.get(t.item)))
    )

    validity = []
    if prorated:
        validity.append("prorated")
    if not ok:
        validity.append("too_many_missing")
    if inst.reverse_keyed:
        raw_vals = {answers[i] for i in scored_ids if answers.get(i) is not None}
        if n_answered >= 3 and len(raw_vals) == 1:
            validity.append("straightlining")

    return Score(
        instrument=inst.id,
        total=total,
        raw_total=raw,
        subscales=subscales,
        band=band.id if band else None,
        missing_items=missing,
        scored=ok,
        prorated=prorated,
        n_answered=n_answered,
        critical=critical,
        signals=signals,
        validity=tuple(validity),
    )
