"""Show an action's ValidationError to the person who asked: on a form, or as messages.

Every app's views use these two, so an action's errors read the same on every page; and
`form_field`, a form's field as the kind of field it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm, Field
from django.http import HttpRequest

FieldT = TypeVar("FieldT", bound=Field)


def form_field(form: BaseForm, name: str, kind: type[FieldT]) -> FieldT:
    """Return `form`'s field `name`, checked to be a `kind` (to mypy every field is a Field)."""
    found = form.fields[name]
    if not isinstance(found, kind):
        raise TypeError(
            f"{type(form).__name__}.{name} is a {type(found).__name__}, not a {kind.__name__}"
        )
    return found


def add_action_errors(
    form: BaseForm, error: ValidationError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Put an action's ValidationError on the form fields it names (or the whole form).

    `fields` maps an action's field name to the form field that shows it, where they differ.
    """
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, field_messages in error.message_dict.items():
        name = (fields or {}).get(name, name)
        target = name if name in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


def message_action_errors(request: HttpRequest, error: ValidationError) -> None:
    """Show each message of an action's ValidationError on the next page."""
    for message in error.messages:
        messages.error(request, message)
