"""Fixtures: real local receivers and the real database task worker, run in-process."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.web_webhooks.receiver import Receiver


@pytest.fixture
def receivers():
    """Start receivers on demand (``receivers(statuses=[500, 200])``); close them afterwards."""
    started: list[Receiver] = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()


def run_queue() -> None:
    """Run every task that is due with the database backend's own worker, then return."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="webhook-tests",
        excluded_queue_names=[],
    ).run()


def make_retries_due() -> int:
    """Let the clock 'pass': tasks scheduled for later become due now (their delivery's
    ``next_attempt_at`` keeps the backoff that was chosen)."""
    return DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).update(
        run_after=timezone.now()
    )
