"""Errors raised while scoring; all are ValueError subclasses with a clear message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alliance.instruments.loader import UnknownInstrumentError

if TYPE_CHECKING:
    from alliance.instruments.model import Item

__all__ = ["OutOfRangeError", "ScoringError", "UnknownInstrumentError", "UnknownItemError"]


class ScoringError(ValueError):
    """A response cannot be scored as given."""


class UnknownItemError(ScoringError):
    """A response names an item the instrument does not have."""

    def __init__(self, instrument_id: str, item: object, where: str = "") -> None:
        self.instrument_id = instrument_id
        self.item = item
        super().__init__(f"{where}{instrument_id}: unknown item {item!r}")


class OutOfRangeError(ScoringError):
    """A value is not one of the item's allowed answers."""

    def __init__(
        self, instrument_id: str, item: str, value: object, allowed: str, where: str = ""
    ) -> None:
        self.instrument_id = instrument_id
        self.item = item
        self.value = value
        self.allowed = allowed
        super().__init__(
            f"{where}{instrument_id} item {item}: value {value!r} is not allowed ({allowed})"
        )


def describe_allowed(item: Item) -> str:
    """Human description of an item's allowed answers."""
    if item.kind == "vas":
        return f"a number from {item.min:g} to {item.max:g}"
    return "one of " + ", ".join(f"{v:g}" for v in item.answers.values)
