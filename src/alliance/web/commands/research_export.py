"""`alliance research-export`: a consented, pseudonymised data set from the practice database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from alliance.web.bootstrap import setup_django

console = Console()
err = Console(stderr=True)

FORMATS = ("csv", "parquet", "sav")


def export_command(
    organisation: Annotated[
        str, typer.Option("--organisation", help="Slug of the organisation whose data to export.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Directory to write the data sets and codebooks into."
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="File format: csv, parquet or sav (SPSS).")
    ] = "csv",
    instrument: Annotated[
        list[str] | None,
        typer.Option("--instrument", help="Instrument id to include (repeat); default all."),
    ] = None,
) -> None:
    """Export consenting clients' pseudonymised long and wide data sets with codebooks (audited)."""
    if fmt not in FORMATS:
        err.print(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
        raise typer.Exit(2)

    setup_django()
    from alliance.web.accounts.models import Organisation
    from alliance.web.research.actions import export_dataset
    from alliance.web.research.datasets import NoResearchData

    org = Organisation.objects.filter(slug=organisation).first()
    if org is None:
        err.print(f"No organisation with slug {organisation!r}.")
        raise typer.Exit(2)
    try:
        result = export_dataset(
            None, organisation=org, fmt=fmt, shape="both", instruments=instrument, via="cli"
        )
    except NoResearchData as exc:
        err.print(str(exc))
        raise typer.Exit(1) from exc
    out.mkdir(parents=True, exist_ok=True)
    for name, content in result.files.items():
        (out / name).write_bytes(content)
        console.print(f"wrote {out / name}")
    export = result.export
    console.print(
        f"{export.n_clients} consenting clients, {export.n_episodes} episodes, "
        f"{export.n_rows} rows (long); {export.n_excluded_clients} clients left out. "
        "The export is in the audit log."
    )
