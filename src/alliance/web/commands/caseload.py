"""`alliance refresh-summaries`: rebuild the per-episode summaries the caseload reads."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alliance.web.bootstrap import setup_django

console = Console()
err = Console(stderr=True)


def refresh_summaries_command(
    organisation: Annotated[
        str | None, typer.Option(help="Only this organisation (its slug); default: all.")
    ] = None,
) -> None:
    """Rebuild every episode's summary (sessions, recent alliance, open critical answers).

    Every write keeps the summaries current; this is for after a manual change to the
    database, or to check that nothing drifted.
    """
    setup_django()
    from alliance.web.accounts.models import Organisation
    from alliance.web.practice.summaries import refresh_all

    chosen = None
    if organisation is not None:
        chosen = Organisation.objects.filter(slug=organisation).first()
        if chosen is None:
            err.print(f"No organisation with the slug {organisation!r}.")
            raise typer.Exit(2)
    with Progress(
        TextColumn("Summaries"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("Summaries", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        count = refresh_all(chosen, progress=tick)
    console.print(f"{count} episode summary(ies) rebuilt.")
