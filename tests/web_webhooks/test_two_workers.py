"""Two workers on one PostgreSQL queue run each task exactly once.

The database task backend claims a task inside a transaction with
``SELECT … FOR UPDATE SKIP LOCKED`` (django-tasks-db's ``get_locked``): a second worker skips
the row the first is claiming instead of reading it too. Two real workers (the backend's own
``Worker``, each in its own thread with its own database connection) drain one queue of webhook
deliveries to a real local receiver; every task starts once, on one worker, and every delivery
arrives once. SQLite has no row locks (its workers take the whole database exclusively), so the
test runs where ALLIANCE_TEST_DATABASE_URL names PostgreSQL, as in CI.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django_tasks.signals import task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from alliance.web.webhooks import actions
from alliance.web.webhooks.events import emit
from alliance.web.webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)

TASKS = 40


def _worker(worker_id: str, gate: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        gate.wait(timeout=30)
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        ).run()
    except BaseException as error:  # reported by the test, not lost in a thread
        errors.append(error)
    finally:
        connection.close()


def test_two_workers_run_each_task_exactly_once(world, receivers):
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks (SELECT … FOR UPDATE SKIP LOCKED) need PostgreSQL: "
            "set ALLIANCE_TEST_DATABASE_URL, as CI does"
        )
    # Each delivery takes a little while, so both workers are busy at the same time.
    server = receivers(delay=0.02)
    actions.register_endpoint(world.admin, url=server.url, events=["alert.opened"])
    for n in range(TASKS):
        emit(world.org, "alert.opened", {"alert_id": f"a-{n}"})
    assert DBTaskResult.objects.ready().count() == TASKS

    started: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(sender, task_result, **kwargs):
        with lock:
            started.append((threading.current_thread().name, str(task_result.id)))

    task_started.connect(record)
    errors: list[BaseException] = []
    gate = threading.Barrier(2)
    threads = [
        threading.Thread(target=_worker, args=(f"worker-{n}", gate, errors), name=f"worker-{n}")
        for n in (1, 2)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        task_started.disconnect(record)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish"
    assert not errors, errors

    runs = Counter(task_id for _, task_id in started)
    assert len(runs) == TASKS
    assert set(runs.values()) == {1}, "a task started more than once"
    # Both workers took part: the locks shared the queue out rather than one worker doing it all.
    assert {name for name, _ in started} == {"worker-1", "worker-2"}
    results = list(DBTaskResult.objects.all())
    assert {r.status for r in results} == {"SUCCESSFUL"}
    assert all(len(r.worker_ids) == 1 for r in results)
    # No task found its delivery already attempted ("skipped"): none ran twice.
    assert {r.return_value for r in results} == {DeliveryStatus.DELIVERED}
    received = Counter(r.headers["Alliance-Delivery"] for r in server.requests)
    assert len(received) == TASKS and set(received.values()) == {1}
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
