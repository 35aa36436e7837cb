"""`alliance export-client` and `alliance apply-retention`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from alliance.web.bootstrap import setup_django

if TYPE_CHECKING:
    from alliance.web.rights.retention import RetentionRun

console = Console()
err = Console(stderr=True)

# Below this many clients a progress bar only flickers.
PROGRESS_FROM = 20


def export_client_command(
    organisation: Annotated[str, typer.Option(help="The organisation's slug.")],
    client: Annotated[str, typer.Option(help="The client's code, e.g. C-12.")],
    output: Annotated[
        Path | None, typer.Option(help="Write the JSON here instead of to standard output.")
    ] = None,
) -> None:
    """Export everything held about one client (JSON with a FHIR Bundle); audit-logged."""

    setup_django()
    from django.core.serializers.json import DjangoJSONEncoder

    from alliance.web.accounts.models import Organisation
    from alliance.web.practice.models import Client
    from alliance.web.rights.export import build_client_export

    org = Organisation.objects.filter(slug=organisation).first()
    if org is None:
        err.print(f"No organisation with the slug {organisation!r}.")
        raise typer.Exit(2)
    found = Client.objects.filter(organisation=org, code=client).first()
    if found is None:
        err.print(f"No client with the code {client!r} in {org.slug}.")
        raise typer.Exit(2)
    if output is not None and not output.parent.is_dir():
        err.print(f"Cannot write {output}: the folder {output.parent} does not exist.")
        raise typer.Exit(2)
    document = build_client_export(None, found, via="command line")
    text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    err.print(f"Wrote everything held about {found.code} to {output}.")


def run_retention(dry_run: bool, write: Callable[[str], object]) -> list[RetentionRun]:
    """Apply the retention rule, reporting per organisation through `write(line)`."""
    from alliance.web.rights.retention import apply_retention

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    state: dict[str, TaskID] = {}

    def on_start(total: int) -> None:
        if total >= PROGRESS_FROM:
            progress.start()
            state["task"] = progress.add_task("Retention", total=total)

    def on_client(run: RetentionRun, code: str) -> None:
        if "task" in state:
            progress.update(state["task"], advance=1, description=f"{run.organisation.slug}")

    try:
        runs = apply_retention(dry_run=dry_run, on_start=on_start, on_client=on_client)
    finally:
        progress.stop()
    for run in runs:
        past = {"erase": "erased", "anonymise": "anonymised"}[run.action]
        verb = f"would be {past}" if dry_run else past
        head = (
            f"{run.organisation.slug}: keep {run.years} years, then {run.action}; "
            f"last episode ended before {run.cutoff.isoformat()}"
        )
        if not run.codes:
            write(f"{head}: nothing to do.")
        else:
            write(f"{head}: {len(run.codes)} client(s) {verb}: {', '.join(run.codes)}")
    total = sum(len(run.codes) for run in runs)
    write(
        f"Dry run: {total} client(s) would be changed; nothing was written."
        if dry_run
        else f"{total} client(s) changed in {len(runs)} organisation(s)."
    )
    return runs


def apply_retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; change nothing.")
    ] = False,
) -> None:
    """Anonymise or erase clients whose last episode ended longer ago than the practice keeps records."""

    setup_django()
    run_retention(
        dry_run, lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True)
    )
    if not dry_run:
        # API idempotency records (and the answers they replay) are kept for 24 hours.
        from alliance.web.api.idempotency import purge_expired

        console.print(f"Removed {purge_expired()} expired API idempotency record(s).")
