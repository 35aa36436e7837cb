"""Small helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Iterable


def sources_of(rows: Iterable[object]) -> list[str]:
    """The citation and licence of each instrument behind ``rows`` (scored rows), once each.

    A page lists these in its one "Sources" disclosure instead of repeating them under every
    table.
    """
    seen: dict[str, str] = {}
    for row in rows:
        instrument = getattr(row, "instrument", None)
        if instrument is not None and instrument.id not in seen:
            seen[instrument.id] = instrument.attribution
    return [seen[key] for key in sorted(seen)]
