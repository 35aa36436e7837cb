"""Walk the test database back to an older migration state and forward again."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder


def executor_at_latest() -> MigrationExecutor:
    """Return an executor that knows the database is at the latest migrations.

    The schema of the test database is always the latest one, but a test may have emptied
    django_migrations along with every other table (the backup tests wipe them all): say
    again that every migration is applied before walking back from there.
    """
    executor = MigrationExecutor(connection)
    recorder = MigrationRecorder(connection)
    applied = recorder.applied_migrations()
    for app_label, name in executor.loader.graph.nodes:
        if (app_label, name) not in applied:
            recorder.record_applied(app_label, name)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    """Return the leaf migration of every app."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets) -> MigrationExecutor:
    """Migrate the test database to `targets`; return the executor that did it."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor
