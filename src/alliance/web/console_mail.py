"""The demo's e-mail backend: Django's console backend, written to standard error.

On standard output the e-mails would mix with what a command prints for the user to keep,
such as a new API token's secret; on standard error they stay visible and apart.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class EmailBackend(ConsoleBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream", sys.stderr)
        super().__init__(*args, **kwargs)
