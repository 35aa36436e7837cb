"""The admin pages: register, edit, delete, test event, secret and delivery log; access."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from alliance.web.audit.models import AuditEntry
from alliance.web.webhooks import actions
from alliance.web.webhooks.models import Delivery, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.org/alliance"


def register(world, **fields):
    fields.setdefault("url", URL)
    fields.setdefault("events", ["alert.opened"])
    return actions.register_endpoint(world.admin, **fields)


def test_admin_registers_an_endpoint_and_sees_its_secret_once(world, login):
    client = login(world.admin)
    page = client.get(reverse("webhook_new"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'for="id_url"' in body and "<legend>Events" in body
    response = client.post(
        reverse("webhook_new"),
        {"url": f"  {URL}  ", "events": ["alert.opened", "response.received"], "description": "BI"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    endpoint = Endpoint.objects.get(organisation=world.org)
    assert endpoint.url == URL
    assert endpoint.events == ["alert.opened", "response.received"]
    assert endpoint.created_by == world.admin and endpoint.active
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    # Shown once: the endpoint's pages never show it again.
    for name in ("webhook_detail", "webhook_edit"):
        later = client.get(reverse(name, kwargs={"endpoint_id": endpoint.public_id}))
        assert endpoint.secret not in later.content.decode()
    assert endpoint.secret not in client.get(reverse("webhook_list")).content.decode()
    entry = AuditEntry.objects.get(object_id=endpoint.public_id)
    assert entry.action == "create" and entry.actor == world.admin
    assert entry.organisation == world.org


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "", "events": ["alert.opened"]}, "url", "Payload URL: enter the address"),
        ({"url": "ftp://example.org/x", "events": ["alert.opened"]}, "url", "only http://"),
        ({"url": "https://", "events": ["alert.opened"]}, "url", "enter a full address"),
        ({"url": "https://u:p@example.org/", "events": ["alert.opened"]}, "url", "user name"),
        ({"url": URL, "events": []}, "events", "Events: choose at least one event"),
        ({"url": URL, "events": ["alert.deleted"]}, "events", "Events: alert.deleted is not"),
        ({"url": URL, "events": ["ping"]}, "events", "Events: ping is not"),
        ({"url": URL, "events": ["alert.opened"], "description": "x" * 201}, "description", ""),
    ],
)
def test_registration_names_the_field_and_writes_nothing(world, login, data, field, message):
    client = login(world.admin)
    response = client.post(reverse("webhook_new"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert 'role="alert"' in response.content.decode()
    assert not Endpoint.objects.exists()
    assert not AuditEntry.objects.filter(object_type="endpoint").exists()


def test_production_requires_https_unless_the_operator_allows_http(world, login, settings):
    client = login(world.admin)
    settings.MODE = "production"
    settings.ALLIANCE_WEBHOOKS_ALLOW_HTTP = False
    http = {"url": "http://hooks.example.org/alliance", "events": ["alert.opened"]}
    refused = client.post(reverse("webhook_new"), http)
    assert "use an https:// address" in " ".join(refused.context["form"].errors["url"])
    assert "ALLIANCE_WEBHOOKS_ALLOW_HTTP" in refused.content.decode()
    assert not Endpoint.objects.exists()
    assert client.post(reverse("webhook_new"), {**http, "url": URL}).status_code == 200
    settings.ALLIANCE_WEBHOOKS_ALLOW_HTTP = True
    assert client.post(reverse("webhook_new"), http).status_code == 200
    assert Endpoint.objects.count() == 2


def test_http_is_accepted_outside_production(world, login):
    client = login(world.admin)
    data = {"url": "http://127.0.0.1:9000/hook", "events": ["alert.opened"]}
    assert client.post(reverse("webhook_new"), data).status_code == 200
    assert Endpoint.objects.get().url == "http://127.0.0.1:9000/hook"


def test_edit_deactivate_and_delete(world, login):
    endpoint = register(world)
    client = login(world.admin)
    edit = reverse("webhook_edit", kwargs={"endpoint_id": endpoint.public_id})
    bad = client.post(edit, {"url": "mailto:x@example.org", "events": ["alert.opened"]})
    assert "url" in bad.context["form"].errors
    endpoint.refresh_from_db()
    assert endpoint.url == URL
    response = client.post(
        edit,
        {"url": URL + "/v2", "events": ["alert.resolved"], "description": "new", "active": ""},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        URL + "/v2",
        ["alert.resolved"],
        False,
    )
    change = AuditEntry.objects.filter(object_id=endpoint.public_id, action="update").get()
    assert "url" in change.summary and "active" in change.summary
    # Inactive: the test event is refused.
    ping = reverse("webhook_ping", kwargs={"endpoint_id": endpoint.public_id})
    client.post(ping)
    assert not Delivery.objects.exists()

    delete = reverse("webhook_delete", kwargs={"endpoint_id": endpoint.public_id})
    assert "Delete this endpoint?" in client.get(delete).content.decode()
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()  # GET only asks
    assert client.post(delete).status_code == 302
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert AuditEntry.objects.filter(object_id=endpoint.public_id, action="delete").exists()


def test_test_event_and_delivery_log(world, login, django_capture_on_commit_callbacks):
    endpoint = register(world)
    client = login(world.admin)
    ping = reverse("webhook_ping", kwargs={"endpoint_id": endpoint.public_id})
    assert "Send a test event?" in client.get(ping).content.decode()
    assert not Delivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ping)
    assert response.status_code == 302
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.event_type == "ping" and delivery.status == DeliveryStatus.PENDING
    task = DBTaskResult.objects.get()
    assert task.task_path == "alliance.web.webhooks.tasks.deliver_webhook"
    assert task.args_kwargs["args"] == [str(delivery.public_id), 1]

    delivery.status = DeliveryStatus.FAILED
    delivery.attempts = 6
    delivery.last_status_code = 500
    delivery.last_error = "HTTP 500"
    delivery.save()
    log = client.get(reverse("webhook_detail", kwargs={"endpoint_id": endpoint.public_id}))
    body = log.content.decode()
    assert "Failed" in body and "HTTP 500" in body and str(delivery.public_id) in body
    redeliver = reverse("webhook_redeliver", kwargs={"delivery_id": delivery.public_id})
    assert redeliver in body
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(redeliver).status_code == 302
    again = Delivery.objects.exclude(pk=delivery.pk).get()
    assert again.event_id == delivery.event_id and again.redelivery_of == delivery
    assert DBTaskResult.objects.count() == 2
    # Newest first.
    body = client.get(reverse("webhook_detail", kwargs={"endpoint_id": endpoint.public_id}))
    text = body.content.decode()
    assert text.index(str(again.public_id)) < text.index(str(delivery.public_id))


def test_replacing_the_secret_shows_the_new_one_once(world, login):
    endpoint = register(world)
    old = endpoint.secret
    client = login(world.admin)
    rotate = reverse("webhook_rotate", kwargs={"endpoint_id": endpoint.public_id})
    assert old not in client.get(rotate).content.decode()
    response = client.post(rotate)
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(
        object_id=endpoint.public_id, summary="webhook signing secret replaced"
    ).exists()


def test_the_secret_is_encrypted_at_rest(world):
    from django.db import connection

    endpoint = register(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_endpoint WHERE id = %s", [endpoint.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and endpoint.secret not in raw


def test_another_organisations_admin_gets_404_everywhere(world, login):
    endpoint = register(world)
    delivery = Delivery.objects.create(
        organisation=world.org,
        endpoint=endpoint,
        event_type="ping",
        event_id="00000000-0000-4000-8000-000000000002",
        payload={},
        status=DeliveryStatus.FAILED,
    )
    client = login(world.outsider_admin)
    assert endpoint.url not in client.get(reverse("webhook_list")).content.decode()
    for name in ("webhook_detail", "webhook_edit", "webhook_delete", "webhook_rotate"):
        url = reverse(name, kwargs={"endpoint_id": endpoint.public_id})
        assert client.get(url).status_code == 404
        assert client.post(url, {"url": URL, "events": ["alert.opened"]}).status_code == 404
    ping = reverse("webhook_ping", kwargs={"endpoint_id": endpoint.public_id})
    assert client.post(ping).status_code == 404
    redeliver = reverse("webhook_redeliver", kwargs={"delivery_id": delivery.public_id})
    assert client.post(redeliver).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.active and Endpoint.objects.count() == 1 and Delivery.objects.count() == 1


@pytest.mark.parametrize("persona", ["owner", "supervisor", "researcher", "outsider"])
def test_staff_who_are_not_admins_cannot_register(world, login, persona):
    client = login(world.personas()[persona])
    response = client.post(reverse("webhook_new"), {"url": URL, "events": ["alert.opened"]})
    assert response.status_code == 404
    assert not Endpoint.objects.exists()


def test_emit_refuses_payload_keys_that_are_not_pseudonymous(world):
    from alliance.web.webhooks.events import emit

    register(world)
    with pytest.raises(ValueError, match="not allowed to leave"):
        emit(world.org, "alert.opened", {"alert_id": "a", "note": "clinical text"})
    with pytest.raises(ValueError, match="plain value"):
        emit(world.org, "alert.opened", {"alert_id": {"nested": "x"}})
    with pytest.raises(ValueError, match="unknown webhook event"):
        emit(world.org, "alert.deleted", {})
    assert not Delivery.objects.exists()
