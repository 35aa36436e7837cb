"""Every table of the test database, counted and hashed, and wiped."""

from __future__ import annotations

import hashlib

from django.db import connection


def _plain(value):
    # PostgreSQL returns bytea as memoryview, whose repr names a memory address.
    return bytes(value) if isinstance(value, memoryview) else value


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Return {table: (row count, SHA-256 of its sorted rows)} for every table in the database."""
    quote = connection.ops.quote_name
    fingerprints = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()
            fingerprints[table] = (len(rows), digest)
    return fingerprints


def wipe_every_table() -> None:
    """Delete every row of every table (django_migrations included)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE " + ", ".join(quote(t) for t in tables) + " RESTART IDENTITY CASCADE"
            )
            return
        cursor.execute("PRAGMA foreign_keys = OFF")
        try:
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
        finally:
            cursor.execute("PRAGMA foreign_keys = ON")
