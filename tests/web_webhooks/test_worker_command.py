"""`alliance worker` runs the real database task queue; `--batch` stops when nothing is due."""

from __future__ import annotations

import datetime as dt
import signal

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from alliance.cli import app
from alliance.web.webhooks import actions
from alliance.web.webhooks.events import emit
from alliance.web.webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keep_signal_handlers():
    # The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_worker_batch_delivers_and_requeues_stranded(world, receivers, keep_signal_handlers):
    server = receivers()
    endpoint = actions.register_endpoint(world.admin, url=server.url, events=["alert.opened"])
    emit(world.org, "alert.opened", {"alert_id": "a-1"})
    # A delivery whose task never made it into the queue (a crash after commit).
    stranded = Delivery.objects.create(
        organisation=world.org,
        endpoint=endpoint,
        event_type="alert.opened",
        event_id="00000000-0000-4000-8000-000000000003",
        payload={"type": "alert.opened", "data": {"alert_id": "a-2"}},
        next_attempt_at=timezone.now() - dt.timedelta(hours=1),
    )
    result = CliRunner().invoke(app, ["worker", "--batch"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 overdue webhook deliveries again." in result.output
    stranded.refresh_from_db()
    assert stranded.status == DeliveryStatus.DELIVERED
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert len(server.requests) == 2


def test_worker_refuses_another_task_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = CliRunner().invoke(app, ["worker", "--batch"])
    assert result.exit_code == 2
    assert "runs the database task backend" in result.output
