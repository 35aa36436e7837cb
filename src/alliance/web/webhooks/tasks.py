"""The background task that makes one delivery attempt (run by `alliance worker`)."""

from __future__ import annotations

from django_tasks import task

from alliance.web.webhooks.delivery import attempt_delivery


@task()
def deliver_webhook(delivery_id: str, attempt: int) -> str:
    """Make attempt number ``attempt`` of the delivery ``delivery_id``; retries enqueue themselves."""
    return attempt_delivery(delivery_id, attempt)
