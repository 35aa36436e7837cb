"""The endpoint form: a URL the practice controls, the events it wants, a description."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from alliance.web.webhooks.models import Event


def http_allowed() -> bool:
    """Plain http is for the demo, the tests, or an operator who explicitly allows it."""
    if getattr(settings, "ALLIANCE_WEBHOOKS_ALLOW_HTTP", False):
        return True
    return settings.MODE != "production"


def private_allowed() -> bool:
    """Loopback and private addresses are for the demo, the tests, or an operator who says so."""
    if getattr(settings, "ALLIANCE_WEBHOOKS_ALLOW_PRIVATE", False):
        return True
    return settings.MODE != "production"


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _names_a_private_host(hostname: str) -> bool:
    host = hostname.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not is_public_address(host)
    except ValueError:
        return False  # a name: checked again against what it resolves to at delivery time


def clean_endpoint_url(value: str) -> str:
    """Return the URL stripped, or raise a ValidationError saying what is wrong with it."""
    url = (value or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(
            _("Payload URL: only http:// and https:// addresses can receive webhooks.")
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError(
            _("Payload URL: enter a full address, such as https://example.org/alliance-events.")
        ) from exc
    if parts.username or parts.password:
        raise ValidationError(
            _(
                "Payload URL: leave the user name and password out of the address; "
                "receivers authenticate deliveries by their signature."
            )
        )
    if parts.fragment:
        raise ValidationError(_("Payload URL: remove the #fragment, it is never sent."))
    if parts.scheme.lower() == "http" and not http_allowed():
        raise ValidationError(
            _(
                "Payload URL: use an https:// address; plain http is refused in production "
                "(the operator can allow it with ALLIANCE_WEBHOOKS_ALLOW_HTTP=true)."
            )
        )
    if not private_allowed() and _names_a_private_host(parts.hostname or ""):
        raise ValidationError(
            _(
                "Payload URL: %(host)s is a loopback, private or link-local address; webhooks "
                "go to systems on the internet (the operator can allow private addresses with "
                "ALLIANCE_WEBHOOKS_ALLOW_PRIVATE=true)."
            )
            % {"host": parts.hostname}
        )
    return url


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Payload URL"),
        max_length=500,
        help_text=_("Alliance POSTs each event here as JSON, signed with the endpoint's secret."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/alliance-events"}),
        error_messages={"required": _("Payload URL: enter the address to send events to.")},
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Events: choose at least one event to send."),
            "invalid_choice": _("Events: %(value)s is not an event Alliance sends."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives the events, e.g. “clinic dashboard”. Optional."),
    )
    active = forms.BooleanField(
        label=_("Active (send events to this endpoint)"), required=False, initial=True
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            # A new endpoint is always active; deactivating is an edit.
            del self.fields["active"]

    def clean_url(self) -> str:
        return clean_endpoint_url(self.cleaned_data.get("url", ""))

    def clean_description(self) -> str:
        return (self.cleaned_data.get("description") or "").strip()
