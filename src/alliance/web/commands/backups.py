"""`alliance backup` and `alliance restore`: thin commands over `alliance.web.backups.archive`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from alliance.web.bootstrap import setup_django

console = Console()
err = Console(stderr=True)

# Below this size a progress bar would only flicker.
PROGRESS_FROM_BYTES = 32 * 1024 * 1024


def human_size(size: int) -> str:
    """Return `size` bytes as B, KiB, MiB or GiB with one decimal."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """Yield a progress callback that shows a rich bar once the work is large enough."""
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    state: dict[str, Any] = {}

    def update(done: int, total: int | None) -> None:
        if "task" not in state:
            if (total or done) < PROGRESS_FROM_BYTES:
                return
            bar.start()
            state["task"] = bar.add_task(label, total=total)
        bar.update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "task" in state:
            bar.stop()


def _setup() -> None:

    setup_django()


def backup_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Backup file to write (default: ALLIANCE_HOME/backups/alliance-<UTC time>.backup).",
        ),
    ] = None,
) -> None:
    """Write an encrypted, consistent backup of the whole database (SQLite or PostgreSQL)."""
    _setup()
    from alliance.web.backups.archive import BackupError, create_backup

    try:
        with _progress("Backing up") as progress:
            result = create_backup(output, progress=progress)
    except BackupError as exc:
        err.print(f"[red]Backup failed:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    console.print(f"Wrote {escape(str(result.path))}", soft_wrap=True)
    console.print(
        f"{human_size(result.size)} encrypted ({human_size(result.plaintext_bytes)} of "
        f"{result.engine} data) in {result.seconds:.1f} s. Keep the backup key somewhere else: "
        "without it this backup cannot be restored."
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="Backup file written by `alliance backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only verify the file and the key; change nothing.")
    ] = False,
) -> None:
    """Verify a backup (header, key, checksum), then replace the whole database with it."""
    _setup()
    from alliance.web.backups.archive import BackupError, BackupHeader, restore_backup

    started = time.perf_counter()

    def confirm(header: BackupHeader) -> bool:
        console.print(
            f"Verified {escape(str(file))}: {header.engine} backup made {header.created_at} "
            f"by Alliance {header.alliance_version}, checksum correct."
        )
        if check_only:
            return False
        return yes or typer.confirm(
            "Replace the WHOLE current database with this backup?", default=False
        )

    try:
        with _progress("Verifying") as progress:
            header = restore_backup(file, confirm=confirm, progress=progress)
    except BackupError as exc:
        err.print(f"[red]Restore refused:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    if header is None:
        if check_only:
            console.print("The backup is sound; nothing was changed.")
            return
        console.print("Nothing was changed.")
        raise typer.Exit(1)
    console.print(
        f"Restored the database from {escape(str(file))} in {time.perf_counter() - started:.1f} s.",
        soft_wrap=True,
    )
