"""Template filters of the security pages."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def minutes(value: object) -> int:
    """Return a timedelta as whole minutes, rounded up."""
    if not isinstance(value, dt.timedelta):
        return 0
    return max(1, -(-int(value.total_seconds()) // 60))
