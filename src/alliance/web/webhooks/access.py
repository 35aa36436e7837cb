"""Who may see or change webhook endpoints: the organisation's admins, nobody else (404)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from alliance.web.accounts.access import get_or_404, require_role
from alliance.web.accounts.models import Role, User
from alliance.web.webhooks.models import Delivery, Endpoint


def endpoints_for_admin(user: User) -> QuerySet[Endpoint]:
    """Return the endpoints of the admin's organisation; 404 for anyone but an admin."""
    organisation_id = require_role(user, Role.ADMIN)
    return Endpoint.objects.filter(organisation_id=organisation_id)


def endpoint_for_admin(user: User, public_id: UUID | str) -> Endpoint:
    """Return one endpoint of the admin's organisation, or raise Http404."""
    return get_or_404(endpoints_for_admin(user), "endpoint", public_id=public_id)


def delivery_for_admin(user: User, public_id: UUID | str) -> Delivery:
    """Return one delivery to an endpoint of the admin's organisation, or raise Http404."""
    organisation_id = require_role(user, Role.ADMIN)
    deliveries = Delivery.objects.select_related("endpoint").filter(organisation_id=organisation_id)
    return get_or_404(deliveries, "delivery", public_id=public_id)
