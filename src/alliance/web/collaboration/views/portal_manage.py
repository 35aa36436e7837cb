"""The practitioner's side of the portal: open a link with a PIN, revoke it, read notes."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.collaboration import actions
from alliance.web.collaboration.access import client_note_for_user, portal_access_for_user
from alliance.web.collaboration.models import PortalAccess
from alliance.web.practice.access import client_for_user


@never_cache
@login_required
def portal_manage(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = client_for_user(request.user, client_id, write=True)
    created = None
    if request.method == "POST":
        access, token, pin = actions.create_portal_access(request.user, client)
        created = {
            "access": access,
            "url": request.build_absolute_uri(reverse("portal", kwargs={"portal_token": token})),
            "pin": pin,
        }
    links = list(PortalAccess.objects.filter(client=client))
    return render(
        request,
        "collaboration/portal_manage.html",
        {"client": client, "links": links, "created": created},
    )


@login_required
@require_POST
def portal_revoke(request: AuthenticatedRequest, portal_id: UUID) -> HttpResponse:
    access = portal_access_for_user(request.user, portal_id, write=True)
    actions.revoke_portal_access(request.user, access)
    return redirect("portal_manage", client_id=access.client.public_id)


@login_required
@require_POST
def note_seen(request: AuthenticatedRequest, note_id: UUID) -> HttpResponse:
    note = client_note_for_user(request.user, note_id, write=True)
    actions.mark_note_seen(request.user, note)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("client", client_id=note.client.public_id)
