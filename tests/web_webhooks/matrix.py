"""The webhook admin pages in the permission matrix of `tests/web/test_url_matrix.py`."""

from __future__ import annotations

CLASSES = {
    # The organisation's admins only; every other persona gets 404. The matrix's admin
    # belongs to world.org, so each kind points at an endpoint of world.org; another
    # organisation's admin is refused in tests/web_webhooks/test_pages.py.
    "admin_only": {
        "webhook_list",
        "webhook_new",
        "webhook_detail",
        "webhook_edit",
        "webhook_delete",
        "webhook_rotate",
        "webhook_ping",
        "webhook_redeliver",
    },
}


def url_arguments(world, kind) -> dict:
    """Return an endpoint of world.org and a finished delivery to it (made once)."""
    from alliance.web.webhooks import actions
    from alliance.web.webhooks.models import Delivery, DeliveryStatus

    extras = world.extras["own"]
    if "webhooks" not in extras:
        endpoint = actions.register_endpoint(
            world.admin,
            url="https://hooks.example.org/alliance",
            events=["alert.opened"],
            description="matrix endpoint",
        )
        delivery = Delivery.objects.create(
            organisation=world.org,
            endpoint=endpoint,
            event_type="ping",
            event_id="00000000-0000-4000-8000-000000000001",
            payload={"type": "ping", "data": {"message": "matrix"}},
            status=DeliveryStatus.DELIVERED,
            attempts=1,
            last_status_code=200,
        )
        extras["webhooks"] = {"endpoint": endpoint, "delivery": delivery}
    made = extras["webhooks"]
    return {
        "endpoint_id": made["endpoint"].public_id,
        "delivery_id": made["delivery"].public_id,
    }
