"""Who may export, erase or anonymise a client: the one place that decides.

Export (everything, free text included): the treating practitioner only — whoever may
write the client's clinical record, which implies reading its free text. Supervisors read
but do not hand records out; admins may not read clinical text at all.

Erase or anonymise: the treating practitioner, and the clinic admins of the client's
organisation (a request may reach the practice rather than the practitioner; the
confirmation page shows admins counts only, never free text). Everyone else gets 404.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from alliance.web.accounts.access import get_or_404, require_role
from alliance.web.accounts.models import Role, User
from alliance.web.practice.access import can_write_clinical, client_for_user, clients_for_user
from alliance.web.practice.models import Client


def can_export(user: User, client: Client) -> bool:
    return user.is_authenticated and can_write_clinical(user, client)


def can_erase(user: User, client: Client) -> bool:
    if not user.is_authenticated:
        return False
    if can_write_clinical(user, client):
        return True
    same_practice_admin: bool = (
        user.role == Role.ADMIN and user.organisation_id == client.organisation_id
    )
    return same_practice_admin


def exportable_client_for_user(user: User, public_id: UUID | str) -> Client:
    """Return the client `user` may export, or raise Http404."""
    return client_for_user(user, public_id, write=True)


def erasable_client_for_user(user: User, public_id: UUID | str) -> Client:
    """Return the client the treating practitioner may erase, or raise Http404."""
    return client_for_user(user, public_id, write=True)


def admin_client_by_code(user: User, code: str) -> Client:
    """Return the client with `code` in the admin's organisation, or raise Http404.

    Non-admins get 404 whatever the code.
    """
    require_role(user, Role.ADMIN)
    clients = clients_for_user(user).select_related("organisation")
    client = get_or_404(clients, "client", code=(code or "").strip())
    if not can_erase(user, client):
        raise Http404("No such client")
    return client
