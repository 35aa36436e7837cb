"""`alliance import responses`, `alliance send-reminders` and FHIR import: commands over the database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from alliance.web.bootstrap import setup_django

if TYPE_CHECKING:
    from alliance.web.accounts.models import Organisation

console = Console()
err = Console(stderr=True)
import_app = typer.Typer(help="Import historical data.", no_args_is_help=True)


def _organisation(slug: str) -> Organisation:
    from alliance.web.accounts.models import Organisation

    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        err.print(f"No organisation with slug {slug!r}.")
        raise typer.Exit(2)
    return organisation


@import_app.command("responses")
def import_responses_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    organisation: Annotated[
        str, typer.Option(help="Slug of the organisation the clients belong to.")
    ],
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the good rows and report the bad ones.")
    ] = False,
) -> None:
    """Import a long CSV of responses (client_code, session_number or session_date, instrument, item, value)."""

    setup_django()
    from alliance.interop.responses_csv import CsvFormatError
    from alliance.web.measures.importing import import_responses

    org = _organisation(organisation)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("Importing", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = import_responses(file, org, skip_invalid=skip_invalid, progress=tick)
        except CsvFormatError as exc:
            err.print(f"{file}: {exc}")
            raise typer.Exit(2) from exc
    for error in report.errors:
        err.print(f"{file}:{error.line}: {error.reason}")
    if not report.imported:
        err.print(
            f"Nothing imported: {len(report.errors)} bad row(s). Fix them or use --skip-invalid."
        )
        raise typer.Exit(1)
    console.print(
        f"Read {report.rows_read} rows: {report.created} responses imported, "
        f"{report.already_present} already present, {len(report.errors)} bad row(s) skipped."
    )


@import_app.command("fhir")
def import_fhir_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    organisation: Annotated[str, typer.Option(help="Slug of the organisation.")],
) -> None:
    """Import FHIR QuestionnaireResponses (one or a Bundle) whose encounter is an Alliance session id."""

    setup_django()
    from alliance.interop.fhir import FhirError
    from alliance.web.measures.fhir import import_fhir

    org = _organisation(organisation)
    try:
        created, present = import_fhir(file.read_bytes(), org)
    except (FhirError, ValueError) as exc:
        err.print(f"{file}: {exc}")
        raise typer.Exit(2) from exc
    console.print(f"{created} responses imported, {present} already present.")


def send_reminders_command() -> None:
    """E-mail one reminder for checks still unanswered after ALLIANCE_REMINDER_HOURS."""

    setup_django()
    from alliance.web.measures.actions import send_reminders

    console.print(f"{send_reminders()} reminder(s) sent.")


export_app = typer.Typer(help="Export as FHIR R4.", no_args_is_help=True)


@export_app.command("questionnaire")
def export_questionnaire_command(
    instrument_id: Annotated[str, typer.Argument(help="Instrument id, e.g. phq9.")],
    lang: Annotated[str, typer.Option(help="Language of the item text.")] = "en",
) -> None:
    """Print an instrument as a validated FHIR R4 Questionnaire."""
    import json

    from alliance.instruments import UnknownInstrumentError
    from alliance.interop.fhir import questionnaire

    try:
        resource = questionnaire(instrument_id, lang=lang)
    except UnknownInstrumentError as exc:
        err.print(str(exc))
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(resource, indent=2, ensure_ascii=False))


@export_app.command("responses")
def export_responses_command(
    organisation: Annotated[str, typer.Option(help="Slug of the organisation.")],
    client: Annotated[str, typer.Option(help="The client's pseudonymous code.")],
) -> None:
    """Print every response of one client as a FHIR R4 Bundle of QuestionnaireResponses."""
    import json

    setup_django()
    from alliance.interop.fhir import bundle
    from alliance.web.audit.log import record
    from alliance.web.measures.fhir import response_to_fhir
    from alliance.web.measures.models import MeasureResponse
    from alliance.web.practice.models import Client

    org = _organisation(organisation)
    person = Client.objects.filter(organisation=org, code=client).first()
    if person is None:
        err.print(f"No client {client!r} in {org.name}.")
        raise typer.Exit(2)
    responses = MeasureResponse.objects.filter(session__episode__client=person).select_related(
        "session__episode__client"
    )
    resource = bundle([response_to_fhir(r) for r in responses])
    record(
        None,
        "export",
        person,
        summary=f"FHIR export of {len(resource.get('entry', []))} responses (CLI)",
    )
    typer.echo(json.dumps(resource, indent=2, ensure_ascii=False))
