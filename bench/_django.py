"""Shared set-up for the benchmarks that need the web application and a database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def start(database_url: str, prefix: str) -> str:
    """Configure Django on `database_url` in demo mode, migrate, and return the vendor name."""
    os.environ.update(
        {
            "ALLIANCE_MODE": "demo",
            "ALLIANCE_HOME": tempfile.mkdtemp(prefix=prefix),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "alliance.web.settings",
        }
    )
    from cryptography.fernet import Fernet

    os.environ.setdefault("ALLIANCE_DATA_KEY", Fernet.generate_key().decode())
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    return connection.vendor


def run_each_database(script: str, arguments: list[str]) -> None:
    """Run `script --database URL ...` on a fresh SQLite file and, if DATABASE_URL is PostgreSQL, there."""
    home = tempfile.mkdtemp(prefix="alliance-bench-sqlite-")
    targets = [f"sqlite:///{home}/bench.sqlite3"]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        targets.append(os.environ["DATABASE_URL"])
    for url in targets:
        subprocess.run([sys.executable, script, "--database", url, *arguments], check=True)


def clients_and_sessions_main(doc: str, script: str, run_one) -> None:
    """The command line of a benchmark sized by --clients and --sessions, run on each database."""
    import argparse

    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        run_one(args.database, args)
        return
    run_each_database(script, ["--clients", str(args.clients), "--sessions", str(args.sessions)])


def bulk_caseload(name: str, prefix: str, clients: int, sessions: int, note: str = ""):
    """Create an organisation whose one practitioner has `clients` × `sessions` weekly sessions.

    Returns (organisation, sessions); everything is bulk-inserted, no actions or audit entries.
    """
    import datetime as dt
    import time

    from django.utils import timezone

    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.practice.models import Client, Episode, Session

    slug = f"bench-{prefix.lower()}-{int(time.time())}"
    org = Organisation.objects.create(name=name, slug=slug, client_code_prefix=prefix)
    practitioner = User.objects.create(
        username=f"{slug}-p", organisation=org, role=Role.PRACTITIONER
    )
    start = timezone.localdate() - dt.timedelta(days=7 * sessions + 7)
    tz = timezone.get_current_timezone()
    made_clients = Client.objects.bulk_create(
        [
            Client(organisation=org, practitioner=practitioner, code=f"{prefix}-{n:05d}")
            for n in range(clients)
        ],
        batch_size=2000,
    )
    episodes = Episode.objects.bulk_create(
        [
            Episode(
                organisation=org,
                client=c,
                practitioner=practitioner,
                service="therapy",
                started_on=start,
            )
            for c in made_clients
        ],
        batch_size=2000,
    )
    made_sessions = Session.objects.bulk_create(
        [
            Session(
                organisation=org,
                episode=e,
                number=n + 1,
                phase="working",
                starts_at=dt.datetime.combine(
                    start + dt.timedelta(days=7 * n), dt.time(10), tzinfo=tz
                ),
                note=note,
            )
            for e in episodes
            for n in range(sessions)
        ],
        batch_size=5000,
    )
    return org, made_sessions
