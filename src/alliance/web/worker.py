"""Run the task queue of every app (webhook deliveries and their retries, the monitoring's
background refreshes): `alliance worker`, an entry point above all the apps."""

from __future__ import annotations

from typing import Any

from alliance.web.webhooks.tasks import requeue_stranded


def run_worker(
    *, batch: bool = False, interval: float = 1.0, max_tasks: int | None = None, verbosity: int = 1
) -> int:
    """Process the queue of the database task backend until stopped (or empty, with ``batch``).

    Before starting, deliveries left pending without a queued task (a crash between commit
    and enqueue) are queued again; returns how many were.
    """
    from django.core.management import call_command

    requeued = requeue_stranded()
    options: dict[str, Any] = {
        "queue_name": "*",
        "interval": interval,
        "batch": batch,
        "reload": False,
        "startup_delay": not batch,
        "verbosity": verbosity,
    }
    if max_tasks is not None:
        options["max_tasks"] = max_tasks
    call_command("db_worker", **options)
    return requeued
