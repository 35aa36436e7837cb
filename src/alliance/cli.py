"""The `alliance` command: run the demo, serve, migrate, manage users and keys, check."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from alliance.web.bootstrap import setup_django

app = typer.Typer(
    help="Alliance: the working alliance, made visible. Every command is also documented in the README.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


def _home() -> Path:
    return Path(os.environ.get("ALLIANCE_HOME") or Path.cwd() / "alliance-data").resolve()


# Paths under ALLIANCE_HOME that were open to other accounts when this command started.
_opened_at_start: list = []


@app.callback()
def _secure_home() -> None:
    """Keep ALLIANCE_HOME private: umask 077 for every command, and no group/other rights.

    Everything this process creates (the database and its -wal/-shm, keys, backups, static
    files) is then 0600/0700; wider modes left by an older version or a copy are warned
    about, as ssh warns about an open key, and tightened.
    """
    from alliance.web.security.files import PRIVATE_UMASK, open_paths, private_paths, tighten

    os.umask(PRIVATE_UMASK)
    found = open_paths(private_paths(_home()))
    for item in found[:20]:
        err.print(item.warning() + " Changed it.", markup=False, highlight=False, soft_wrap=True)
    if len(found) > 20:
        err.print(f"WARNING: and {len(found) - 20} more paths under {_home()}. Changed them.")
    tighten(found)
    _opened_at_start[:] = found


def _ensure_demo_key(home: Path) -> None:
    """Create the demo's data key file under ALLIANCE_HOME unless a key is configured."""
    if os.environ.get("ALLIANCE_DATA_KEY"):
        return
    from cryptography.fernet import Fernet

    key_file = home / "data.key"
    if not key_file.exists():
        key_file.write_text(Fernet.generate_key().decode("ascii") + "\n")
        key_file.chmod(0o600)
        console.print(
            f"Generated a data key in [bold]{key_file}[/bold] (keep it with the database)."
        )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server after preparing.")
    ] = True,
) -> None:
    """Prepare a demo practice on SQLite under ALLIANCE_HOME and serve it on http://127.0.0.1:8000."""
    home = _home()
    os.environ.setdefault("ALLIANCE_HOME", str(home))
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    _ensure_demo_key(home)
    setup_django("demo")
    from django.core.management import call_command

    from alliance.web.accounts.models import Organisation
    from alliance.web.demo import load_demo
    from alliance.web.practice.demo import DEMO_PASSWORD, demo_logins

    console.print("Applying migrations…")
    call_command("migrate", interactive=False, verbosity=0)
    if not Organisation.objects.exists():
        with console.status("Loading the demo practice…"):
            load_demo()
        console.print("Loaded the demo practice [bold]Riverside Counselling & Coaching[/bold].")
    else:
        console.print("The database already holds data; reusing it.")
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    table.add_column("username")
    table.add_column("role")
    table.add_column("what you will see")
    for login in demo_logins():
        table.add_row(login.username, login.role, login.description)
    console.print(table)
    from alliance.web.security.demo import enrol_demo_admin

    demo_key = enrol_demo_admin()
    if demo_key:
        console.print(
            "The clinic admin signs in with a second factor: add the key "
            f"[bold]{demo_key}[/bold] to an authenticator app (time-based, 6 digits) and enter "
            "its code after the password."
        )
    url = f"http://{host}:{port}/"
    if not serve:
        console.print(f"Prepared. Start the server with `alliance demo` and open {url}")
        return
    console.print(f"Serving the demo on [bold]{url}[/bold] — press Ctrl+C to stop.")
    from alliance.web.server import exec_server

    # The server starts in a fresh process: this one has run polars and numpy, whose thread
    # pools would not survive gunicorn's fork. The task worker (webhook deliveries) runs
    # beside the server and stops with it.
    exec_server(f"{host}:{port}", workers=1, threads=4, with_task_worker=True)


@app.command()
def worker(
    batch: Annotated[
        bool, typer.Option("--batch", help="Run what is due now, then exit (e.g. from cron).")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0, help="Seconds to wait between polls of an empty queue.")
    ] = 1.0,
    max_tasks: Annotated[
        int | None, typer.Option(min=1, help="Exit after running this many tasks.")
    ] = None,
) -> None:
    """Run the background task queue (webhook deliveries and their retries) until stopped."""
    setup_django()
    from django.conf import settings

    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        err.print(f"`alliance worker` runs the database task backend, not {backend}.")
        raise typer.Exit(2)
    from alliance.web.worker import run_worker

    requeued = run_worker(batch=batch, interval=interval, max_tasks=max_tasks)
    if requeued:
        console.print(f"Queued {requeued} overdue webhook deliveries again.")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 4,
) -> None:
    """Serve Alliance in production through gunicorn (static files by whitenoise)."""
    setup_django("production")
    _collect_static_if_changed()
    from alliance.web.server import exec_server

    # A fresh process serves: see alliance.web.server for why the forking master must be clean.
    exec_server(f"{host}:{port}", workers=workers, threads=threads, with_task_worker=False)


def _collect_static_if_changed() -> None:
    """Collect (hash and compress) static files only when they changed since the last start.

    Compressing every file takes several seconds; skipping it when nothing changed lets a
    restarted server (after a crash, say) answer again within a second or two.
    """
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    signature = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            signature.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".alliance-static-signature"
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == signature.hexdigest():
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(signature.hexdigest())


@app.command()
def migrate() -> None:
    """Apply database migrations."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False)


@app.command()
def check() -> None:
    """Run Django's system and deployment checks; exit non-zero on any warning."""
    setup_django()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=True, fail_level="WARNING")
    except SystemCheckError as exc:
        err.print(str(exc))
        raise typer.Exit(1) from exc
    if _opened_at_start:
        # Warned and tightened above; still a failed check, so that whoever left them open
        # (a copy, a restore, an old version) hears of it.
        err.print(f"{len(_opened_at_start)} path(s) under ALLIANCE_HOME were open to others.")
        raise typer.Exit(1)
    console.print("All checks passed.")


@app.command()
def createuser(
    username: str,
    role: Annotated[str, typer.Option(help="admin, practitioner, supervisor or researcher.")],
    organisation: Annotated[str, typer.Option(help="Slug of the organisation.")],
    kind: Annotated[str, typer.Option(help="therapist, counsellor or coach (practitioners).")] = "",
    first_name: Annotated[str, typer.Option()] = "",
    last_name: Annotated[str, typer.Option()] = "",
    email: Annotated[str, typer.Option()] = "",
    supervisor: Annotated[str, typer.Option(help="Username of the supervisor.")] = "",
    organisation_name: Annotated[
        str, typer.Option(help="Create the organisation with this name if it does not exist.")
    ] = "",
    password_stdin: Annotated[
        bool, typer.Option(help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff user with a role in an organisation."""
    setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from alliance.web.accounts.models import Organisation, PractitionerKind, Role, User

    if role not in Role.values:
        err.print(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
        raise typer.Exit(2)
    if role == Role.PRACTITIONER and kind not in PractitionerKind.values:
        err.print(f"A practitioner needs --kind, one of {', '.join(PractitionerKind.values)}.")
        raise typer.Exit(2)
    if User.objects.filter(username=username).exists():
        err.print(f"The username {username!r} is taken.")
        raise typer.Exit(2)
    org = Organisation.objects.filter(slug=organisation).first()
    if org is None and not organisation_name:
        err.print(
            f"No organisation with slug {organisation!r} (add --organisation-name to create it)."
        )
        raise typer.Exit(2)
    sup = None
    if supervisor:
        sup = User.objects.filter(username=supervisor, role=Role.SUPERVISOR).first()
        if sup is None:
            err.print(f"No supervisor with username {supervisor!r}.")
            raise typer.Exit(2)
    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    user = User(
        username=username,
        role=role,
        practitioner_kind=kind if role == Role.PRACTITIONER else "",
        first_name=first_name,
        last_name=last_name,
        email=email,
        supervisor=sup,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        err.print("Password refused: " + " ".join(exc.messages))
        raise typer.Exit(2) from exc
    with transaction.atomic():
        if org is None:
            org = Organisation.objects.create(name=organisation_name, slug=organisation)
        user.organisation = org
        user.set_password(password)
        user.save()
    console.print(f"Created {role} {username!r} in {org.name}.")


@app.command("generate-data-key")
def generate_data_key() -> None:
    """Print a new data key for ALLIANCE_DATA_KEY."""
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode("ascii"))


@app.command("rotate-data-key")
def rotate_data_key() -> None:
    """Re-encrypt all stored clinical text with the first key in ALLIANCE_DATA_KEY."""
    setup_django()
    from alliance.web.keyrotation import rotate_all

    counts = rotate_all(progress=console)
    for label, count in counts.items():
        console.print(f"{label}: {count} values re-encrypted")


def _register_areas() -> None:
    """Attach each area's commands; the pure packages own their own typer apps."""
    from alliance.commands.instruments import app as instruments_app
    from alliance.commands.monitoring import monitor_command
    from alliance.commands.research import app as research_app
    from alliance.commands.scoring import score
    from alliance.commands.transcripts import app as transcripts_app
    from alliance.web.commands.alerts import monitor_all_command, refit_command, send_digest_command
    from alliance.web.commands.measures import export_app, import_app, send_reminders_command
    from alliance.web.commands.research_export import export_command as research_export_command

    app.add_typer(
        instruments_app, name="instruments", help="The instrument library: list, show, load."
    )
    app.command("score")(score)

    @app.command("monitor")
    def monitor(
        file: Annotated[
            Path | None, typer.Argument(help="Tidy CSV (or Parquet) of scores.")
        ] = None,
        all_: Annotated[
            bool, typer.Option("--all", help="Recompute the whole database instead.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the signals as JSON.")] = False,
        checks: Annotated[Path | None, typer.Option(help="CSV of checks sent/answered.")] = None,
        transcripts: Annotated[
            Path | None, typer.Option(help="CSV of confirmed transcript rupture moments.")
        ] = None,
        models: Annotated[
            Path | None, typer.Option(help="JSON list of fitted expected-recovery models.")
        ] = None,
        open_only: Annotated[
            bool, typer.Option("--open", help="Only signals that are still open.")
        ] = False,
    ) -> None:
        """Run every monitoring rule over FILE (a tidy CSV of scores), or over the database with --all."""
        if all_:
            monitor_all_command()
            return
        if file is None:
            err.print("Give a tidy CSV of scores, or --all for the database.")
            raise typer.Exit(2)
        for option in (checks, transcripts, models):
            if option is not None and not option.is_file():
                err.print(f"No such file: {option}")
                raise typer.Exit(2)
        monitor_command(file, as_json, checks, transcripts, models, open_only)

    app.command("monitor-all")(monitor_all_command)
    app.command("refit-recovery")(refit_command)
    from alliance.web.commands.caseload import refresh_summaries_command

    app.command("refresh-summaries")(refresh_summaries_command)
    app.command("send-digest")(send_digest_command)
    app.add_typer(
        transcripts_app, name="transcripts", help="Session transcripts: train, evaluate, analyze."
    )
    app.add_typer(
        research_app, name="research", help="Research: SEM in lavaan syntax, data sets, reports."
    )
    app.command("research-export")(research_export_command)
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    app.command("send-reminders")(send_reminders_command)
    from alliance.web.commands.api_tokens import app as api_token_app

    app.add_typer(api_token_app, name="api-token")
    from alliance.web.commands.backups import backup_command, restore_command

    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    from alliance.web.commands.client_data import apply_retention_command, export_client_command

    app.command("export-client")(export_client_command)
    app.command("apply-retention")(apply_retention_command)
    from alliance.commands.outcomes import outcomes_command

    app.command("outcomes")(outcomes_command)


_register_areas()
