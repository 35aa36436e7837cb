"""The possible range of a score: an instrument's total, one subscale or one item's answer."""

from __future__ import annotations

from .model import Instrument

TOTAL = "total"


def score_range(instrument: Instrument, part: str | None = None) -> tuple[float, float]:
    """Return the lowest and highest possible score of ``part`` of ``instrument``.

    ``part`` is None or ``"total"`` for the total (the definition's scoring range), a
    subscale id, or an item id (that item's answer set). A subscale of k items whose answers
    run from a to b lies in k·a..k·b (``sum``, pro-rated as the scoring engine does) or
    a..b (``mean``), with a the lowest and b the highest end of its items' answer sets:
    exact when the items share one answer set, as in every shipped definition. Reverse
    keying (x' = min + max − x) maps an item's range onto itself, so it does not change
    the range.

    Raises KeyError when the instrument has no subscale or item called ``part``.
    """
    if part is None or part == TOTAL:
        return instrument.range
    for sub in instrument.subscales:
        if sub.id == part:
            items = [instrument.item(i) for i in sub.items]
            low = min(i.min for i in items)
            high = max(i.max for i in items)
            k = len(items) if sub.method == "sum" else 1
            return (k * low, k * high)
    if instrument.has_item(part):
        item = instrument.item(part)
        return (item.min, item.max)
    raise KeyError(part)


def range_problem(
    instrument: Instrument, score: float, part: str | None = None, label: str | None = None
) -> str | None:
    """Return why ``score`` cannot be ``part`` of ``instrument`` (outside its range), or None.

    The message names the instrument, the part (``label`` when given, else the subscale id
    or ``item N``; nothing for the total) and the range, e.g. ``phq9 score 28 lies outside
    0–27``; see :func:`score_range` for ``part``.
    """
    low, high = score_range(instrument, part)
    if low <= score <= high:
        return None
    if label is None and part is not None and part != TOTAL:
        is_subscale = any(s.id == part for s in instrument.subscales)
        label = part if is_subscale else f"item {part}"
    what = f"{instrument.id} {label}" if label else instrument.id
    return f"{what} score {score:g} lies outside {low:g}–{high:g}"
