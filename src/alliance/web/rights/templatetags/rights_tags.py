"""`{% client_data_panel client %}`: the client page's links to export and erase."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from alliance.web.practice.models import Client
from alliance.web.rights import access
from alliance.web.rights.actions import is_anonymised

register = template.Library()


@register.inclusion_tag("rights/_client_data.html", takes_context=True)
def client_data_panel(context: Context, client: Client) -> dict[str, Any]:
    user = context["request"].user
    may_export = access.can_export(user, client)
    may_erase = access.can_erase(user, client)
    return {
        "client": client,
        "may_export": may_export,
        "may_erase": may_erase,
        # Admins reach erasure through their data-requests page (they cannot open the
        # practitioner's clinical pages).
        "erase_via_admin": may_erase and not may_export,
        "anonymised": is_anonymised(client),
    }
