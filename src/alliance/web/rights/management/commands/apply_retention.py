"""`manage.py apply_retention [--dry-run]`: the retention rule as a periodic job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Anonymise or erase clients whose last episode ended more than the organisation's "
        "retention years ago (and who have no open episode)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        from alliance.web.commands.client_data import run_retention

        run_retention(dry_run, self.stdout.write)
        if not dry_run:
            from alliance.web.api.idempotency import purge_expired

            self.stdout.write(f"Removed {purge_expired()} expired API idempotency record(s).")
