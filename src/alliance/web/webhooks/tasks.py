"""The delivery queue: the task that makes one attempt (run by `alliance worker`), the
attempt itself with its record, and the scheduling of retries.

Each attempt is claimed by number, so a task that runs twice (a worker restarted mid-task, a
requeued delivery) sends nothing the second time. After a failure the next attempt waits 30 s,
2 min, 10 min, 1 h, then 6 h; the sixth failure marks the delivery failed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from alliance.web.webhooks.delivery import Outcome, backoff, body_of, headers_for, post
from alliance.web.webhooks.models import MAX_ATTEMPTS, Delivery, DeliveryAttempt, DeliveryStatus


@task()
def deliver_webhook(delivery_id: str, attempt: int) -> str:
    """Make attempt number ``attempt`` of the delivery ``delivery_id``; retries enqueue themselves."""
    return attempt_delivery(delivery_id, attempt)


def attempt_delivery(delivery_id: str, attempt: int) -> str:
    """Make attempt number ``attempt`` of a delivery; return its status afterwards.

    Returns "skipped" when the attempt was already made (or the delivery is gone/finished).
    """
    claimed = Delivery.objects.filter(
        public_id=delivery_id, status=DeliveryStatus.PENDING, attempts=attempt - 1
    ).update(attempts=attempt, updated_at=timezone.now())
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("endpoint").get(public_id=delivery_id)
    endpoint = delivery.endpoint
    if endpoint.active:
        body = body_of(delivery.payload)
        outcome = post(endpoint.url, body, headers_for(delivery, body, endpoint.secret))
        final_failure = attempt >= MAX_ATTEMPTS
    else:
        outcome = Outcome(None, "the endpoint is deactivated", 0)
        final_failure = True
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=attempt,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif final_failure:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + backoff(attempt)
            schedule_retry(delivery, attempt + 1)
        delivery.save(
            update_fields=[
                "status",
                "delivered_at",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "updated_at",
            ]
        )
    return delivery.status


def schedule_retry(delivery: Delivery, attempt: int) -> None:
    """Enqueue attempt ``attempt`` to run at the delivery's ``next_attempt_at``."""
    run_after = delivery.next_attempt_at
    delivery_id = str(delivery.public_id)
    transaction.on_commit(
        lambda: deliver_webhook.using(run_after=run_after).enqueue(delivery_id, attempt)
    )


def requeue_stranded(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> int:
    """Enqueue again the pending deliveries long overdue (e.g. a crash between commit and
    enqueue); a duplicate task is harmless because attempts are claimed by number."""
    cutoff = timezone.now() - older_than
    stranded = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lt=cutoff
    ).values_list("public_id", "attempts")
    count = 0
    for public_id, attempts in stranded.iterator():
        deliver_webhook.enqueue(str(public_id), attempts + 1)
        count += 1
    return count
