"""Run the task queue (webhook deliveries and their retries): `alliance worker`."""

from __future__ import annotations

import os
import subprocess
import sys


def run_worker(
    *, batch: bool = False, interval: float = 1.0, max_tasks: int | None = None, verbosity: int = 1
) -> int:
    """Process the queue of the database task backend until stopped (or empty, with ``batch``).

    Before starting, deliveries left pending without a queued task (a crash between commit
    and enqueue) are queued again; returns how many were.
    """
    from django.core.management import call_command

    from alliance.web.webhooks.delivery import requeue_stranded

    requeued = requeue_stranded()
    options: dict = {
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


def start_worker_process() -> subprocess.Popen:
    """Start `alliance worker` as a child process with this process's environment."""
    command = [sys.executable, "-m", "alliance", "worker"]
    return subprocess.Popen(command, env=os.environ.copy())  # noqa: S603


def stop_worker_process(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Ask the worker to finish its current task and stop; kill it if it does not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
