"""`alliance check` (deploy checks): no file of Alliance's may be open to other accounts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from alliance.web.security.files import open_paths, private_paths, sqlite_files


@register(deploy=True)
def check_private_files(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Warn about ALLIANCE_HOME, the SQLite files, the data key and backups open to others."""
    database = settings.DATABASES["default"]
    extra: list[Path] = []
    if database["ENGINE"] == "django.db.backends.sqlite3":
        extra = sqlite_files(database["NAME"])
    found = open_paths(private_paths(settings.ALLIANCE_HOME, extra))
    return [
        Warning(
            item.warning(),
            hint=f"chmod {item.wanted:o} '{item.path}' (alliance serve and migrate do it).",
            id="alliance.W101",
        )
        for item in found
    ]
