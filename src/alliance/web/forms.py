"""Show an action's ValidationError to the person who asked: on a form, or as messages.

Every app's views use these two, so an action's errors read the same on every page.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


def add_action_errors(
    form: Form, error: ValidationError, *, fields: Mapping[str, str] | None = None
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
