"""Back up and restore a practice of 100,000 measure responses (5,000 clients × 20 sessions).

Prints the database size, the encrypted backup's size and the seconds of `alliance backup` and
`alliance restore` (verification included), on SQLite and — when DATABASE_URL points to a scratch
PostgreSQL database (it is filled and restored over) — on PostgreSQL.

    python bench/backup.py [--clients 5000 --sessions 20]
"""

from __future__ import annotations

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

    from alliance.web.backups.archive import create_backup, restore_backup
    from alliance.web.measures.models import MeasureResponse

    t0 = time.perf_counter()
    org, sessions = _django.bulk_caseload(
        "Backup bench",
        "K",
        args.clients,
        args.sessions,
        note="Talked through the week; noticed more energy.",
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
