"""Back up and restore a practice of 100,000 measure responses (5,000 clients × 20 sessions).

Prints the database size, the encrypted backup's size and the seconds of `alliance backup` and
`alliance restore` (verification included), on SQLite and — when DATABASE_URL points to a scratch
PostgreSQL database (it is filled and restored over) — on PostgreSQL.

    python bench/backup.py [--clients 5000 --sessions 20]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

import _django
from _django import clients_and_sessions_main


def _database_bytes(connection) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]


def run_one(database_url: str, args) -> None:
    vendor = _django.start(database_url, "alliance-bench-backup-")
    from django.db import connection
    from django.utils import timezone

    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.backups.archive import create_backup, restore_backup
    from alliance.web.measures.models import MeasureResponse
    from alliance.web.practice.models import Client, Episode, Session

    t0 = time.perf_counter()
    slug = f"bench-backup-{int(time.time())}"
    org = Organisation.objects.create(name="Backup bench", slug=slug, client_code_prefix="K")
    practitioner = User.objects.create(
        username=f"{slug}-p", organisation=org, role=Role.PRACTITIONER
    )
    start = timezone.localdate() - dt.timedelta(days=7 * args.sessions + 7)
    tz = timezone.get_current_timezone()
    clients = Client.objects.bulk_create(
        [
            Client(organisation=org, practitioner=practitioner, code=f"K-{n:05d}")
            for n in range(args.clients)
        ],
        batch_size=2000,
    )
    episodes = Episode.objects.bulk_create(
        [
            Episode(
                organisation=org, client=c, practitioner=practitioner, service="therapy",
                started_on=start,
            )
            for c in clients
        ],
        batch_size=2000,
    )  # fmt: skip
    sessions = Session.objects.bulk_create(
        [
            Session(
                organisation=org,
                episode=e,
                number=n + 1,
                phase="working",
                starts_at=dt.datetime.combine(
                    start + dt.timedelta(days=7 * n), dt.time(10), tzinfo=tz
                ),
                note="Talked through the week; noticed more energy.",
            )
            for e in episodes
            for n in range(args.sessions)
        ],
        batch_size=5000,
    )
    rng = random.Random(11)  # noqa: S311
    MeasureResponse.objects.bulk_create(
        (
            MeasureResponse(
                organisation=org,
                session=s,
                instrument_id="phq9",
                answers={str(i): rng.randint(0, 3) for i in range(1, 10)},
                total=float(rng.randint(0, 27)),
                scored=True,
            )
            for s in sessions
        ),
        batch_size=5000,
    )
    responses = MeasureResponse.objects.filter(organisation=org).count()
    print(
        f"[{vendor}] built {responses} responses in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    database_bytes = _database_bytes(connection)

    target = Path(os.environ["ALLIANCE_HOME"]) / "bench.backup"
    made = create_backup(target)
    MeasureResponse.objects.filter(organisation=org).delete()
    t0 = time.perf_counter()
    restore_backup(target)
    restore_seconds = time.perf_counter() - t0
    restored = MeasureResponse.objects.filter(organisation=org).count()
    if restored != responses:
        raise SystemExit(f"restored {restored} responses, expected {responses}")

    mib = 1024 * 1024
    print(f"\n{vendor}: {responses} measure responses, {len(sessions)} sessions")
    print(f"  database                : {database_bytes / mib:8.1f} MiB")
    print(f"  dump (plaintext)        : {made.plaintext_bytes / mib:8.1f} MiB")
    print(f"  backup file (encrypted) : {made.size / mib:8.1f} MiB")
    print(f"  alliance backup         : {made.seconds:8.2f} s")
    print(f"  alliance restore        : {restore_seconds:8.2f} s (verify + restore)")


def main() -> None:
    clients_and_sessions_main(__doc__, __file__, run_one)


if __name__ == "__main__":
    main()
