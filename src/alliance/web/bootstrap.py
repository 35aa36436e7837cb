"""Start Django for a command-line process: the one setup every `alliance` command uses.

It lives under `alliance.web` so that the web-side command modules (`web/commands/`) never
import the top-level `alliance.cli`, which imports them to build the command tree.
"""

from __future__ import annotations

import os

import typer
from rich.console import Console

_err = Console(stderr=True)


def setup_django(mode: str | None = None) -> None:
    """Configure Django once; `mode` (demo/production) applies unless the environment says otherwise."""
    if mode is not None:
        os.environ.setdefault("ALLIANCE_MODE", mode)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        _err.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
