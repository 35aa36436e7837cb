"""Display filters of the outcome pages: percentages and GAS levels."""

from typing import SupportsFloat, SupportsInt

from django import template

register = template.Library()


@register.filter
def pct(value: SupportsFloat | str | None) -> str:
    """0.4321 → "43%"; None → "–"."""
    if value is None or value == "":
        return "–"
    return f"{100 * float(value):.0f}%"


@register.filter
def gas(level: SupportsInt | None) -> str:
    """A GAS level with its sign (+1, 0, −2); None → "–"."""
    if level is None:
        return "–"
    return f"{int(level):+d}".replace("-", "−") if level else "0"
