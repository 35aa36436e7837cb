"""`manage.py restore FILE`: the same verified restore as `alliance restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliance.web.backups.archive import BackupError, BackupHeader, restore_backup


class Command(BaseCommand):
    help = "Verify a backup (header, key, checksum), then replace the whole database with it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Backup file written by `alliance backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, file: Path, yes: bool = False, **options: Any) -> None:
        def confirm(header: BackupHeader) -> bool:
            if yes:
                return True
            answer = input(
                f"Replace the WHOLE database with the {header.created_at} backup? [y/N] "
            )
            return answer.strip().lower() in {"y", "yes"}

        try:
            header = restore_backup(file, confirm=confirm)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if header is None:
            raise CommandError("Nothing was changed.")
        self.stdout.write(f"Restored the database from {file}.")
