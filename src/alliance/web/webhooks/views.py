"""The organisation's webhook endpoints and their delivery logs (admins only)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.forms import add_action_errors
from alliance.web.webhooks import actions
from alliance.web.webhooks.access import delivery_for_admin, endpoint_for_admin, endpoints_for_admin
from alliance.web.webhooks.forms import EndpointForm
from alliance.web.webhooks.models import Delivery, DeliveryStatus, Endpoint
from alliance.web.webhooks.signing import SIGNATURE_HEADER


def _show_secret(
    request: HttpRequest, endpoint: Endpoint, secret: str, *, new: bool
) -> HttpResponse:
    # Rendered straight from the POST, never stored in the session or cached.
    return render(
        request,
        "webhooks/secret.html",
        {"endpoint": endpoint, "secret": secret, "new": new, "header": SIGNATURE_HEADER},
    )


@login_required
def webhook_list(request: AuthenticatedRequest) -> HttpResponse:
    endpoints = endpoints_for_admin(request.user).annotate(
        n_failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        n_pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
    )
    return render(request, "webhooks/list.html", {"endpoints": endpoints})


@login_required
@never_cache
def webhook_new(request: AuthenticatedRequest) -> HttpResponse:
    endpoints_for_admin(request.user)  # admins only
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = actions.register_endpoint(
                request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _show_secret(request, endpoint, endpoint.secret, new=True)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": None})


@login_required
def webhook_detail(request: AuthenticatedRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    deliveries = endpoint.deliveries.prefetch_related("attempt_log")
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "page": page, "header": SIGNATURE_HEADER},
    )


@login_required
def webhook_edit(request: AuthenticatedRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    initial = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.active,
    }
    form = EndpointForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_endpoint(request.user, endpoint, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhook_detail", endpoint_id=endpoint.public_id)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": endpoint})


def _confirm(
    request: HttpRequest,
    endpoint: Endpoint,
    *,
    title: str,
    text: str,
    button: str,
    danger: bool = False,
    delivery: Delivery | None = None,
) -> HttpResponse:
    return render(
        request,
        "webhooks/confirm.html",
        {
            "endpoint": endpoint,
            "delivery": delivery,
            "title": title,
            "text": text,
            "button": button,
            "danger": danger,
        },
    )


@login_required
def webhook_delete(request: AuthenticatedRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    if request.method == "POST":
        actions.delete_endpoint(request.user, endpoint)
        messages.success(request, _("Endpoint deleted."))
        return redirect("webhook_list")
    return _confirm(
        request,
        endpoint,
        title=_("Delete this endpoint?"),
        text=_(
            "Its delivery log goes with it and queued deliveries are dropped. To stop "
            "deliveries but keep the log, edit the endpoint and untick “Active” instead."
        ),
        button=_("Delete endpoint"),
        danger=True,
    )


@login_required
@never_cache
def webhook_rotate(request: AuthenticatedRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    if request.method == "POST":
        secret = actions.rotate_secret(request.user, endpoint)
        return _show_secret(request, endpoint, secret, new=False)
    return _confirm(
        request,
        endpoint,
        title=_("Replace the signing secret?"),
        text=_(
            "Deliveries are signed with the new secret from now on; the receiver must be "
            "given it, or it will reject them. The old secret stops working at once."
        ),
        button=_("Replace secret"),
        danger=True,
    )


@login_required
def webhook_ping(request: AuthenticatedRequest, endpoint_id: UUID) -> HttpResponse:
    endpoint = endpoint_for_admin(request.user, endpoint_id)
    if request.method == "POST":
        try:
            actions.send_ping(request.user, endpoint)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Test event queued; it appears in the log below once sent.")
            )
        return redirect("webhook_detail", endpoint_id=endpoint.public_id)
    return _confirm(
        request,
        endpoint,
        title=_("Send a test event?"),
        text=_(
            "Alliance sends a signed “ping” event with no client data, so you can check "
            "that the receiver answers and verifies the signature."
        ),
        button=_("Send test event"),
    )


@login_required
def webhook_redeliver(request: AuthenticatedRequest, delivery_id: UUID) -> HttpResponse:
    delivery = delivery_for_admin(request.user, delivery_id)
    endpoint = delivery.endpoint
    if request.method == "POST":
        try:
            actions.redeliver(request.user, delivery)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Delivery queued again with the same event id."))
        return redirect("webhook_detail", endpoint_id=endpoint.public_id)
    return _confirm(
        request,
        endpoint,
        title=_("Send this event again?"),
        text=_(
            "A new delivery of the same event (same event id and payload) is queued; "
            "receivers that de-duplicate by event id will ignore it if they already have it."
        ),
        button=_("Redeliver"),
        delivery=delivery,
    )
