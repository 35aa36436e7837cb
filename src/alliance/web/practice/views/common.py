"""Small helpers shared by the practice views."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.forms import Form


def add_action_errors(form: Form, error: ValidationError) -> None:
    """Put an action's ValidationError on the form fields it names (or the whole form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def sources_of(rows: Iterable) -> list[str]:
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
