"""`manage.py backup`: the same encrypted backup as `alliance backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliance.web.backups.archive import BackupError, create_backup


class Command(BaseCommand):
    help = "Write an encrypted, consistent backup of the whole database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, default=None, help="Backup file to write.")

    def handle(self, *args: Any, output: Path | None = None, **options: Any) -> None:
        try:
            result = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {result.path} ({result.size} bytes, {result.seconds:.1f} s).")
