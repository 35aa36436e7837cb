"""The client's address behind trusted reverse proxies (nginx in front of `alliance serve`).

Per-address limits (the intake form, the sign-in lockout) read ``REMOTE_ADDR``. Behind a proxy
that is the proxy's own address, so every visitor would share one limit. When the request comes
from an address in ALLIANCE_TRUSTED_PROXIES, ``REMOTE_ADDR`` becomes the client's address from
``X-Forwarded-For``: the right-most entry that is not itself a trusted proxy. Entries further
left were written by the sender and are never believed. Without trusted proxies (the default)
the header is ignored, so nobody can pick their own address by sending it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(values: Iterable[str]) -> tuple[Network, ...]:
    """Return the networks of ALLIANCE_TRUSTED_PROXIES (addresses or CIDR), refusing bad ones."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                "ALLIANCE_TRUSTED_PROXIES must be comma-separated IP addresses or networks "
                f"(e.g. 127.0.0.1,10.0.0.0/8), not {value!r}"
            ) from None
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]
) -> bool:
    return any(address in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """Return the client's address given the peer, its X-Forwarded-For and the trusted proxies.

    Walk X-Forwarded-For from the right past trusted proxies; the first other entry is the
    client. An entry that is not an address stops the walk at the last trusted hop (a proxy
    we trust would not write one), and a chain of trusted proxies only gives its left-most.
    """
    peer = _address(remote_addr)
    if peer is None or not networks or not _trusted(peer, networks) or not forwarded_for:
        return remote_addr
    candidate = remote_addr
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            return candidate
        candidate = str(address)
        if not _trusted(address, networks):
            return candidate
    return candidate


class TrustedProxyMiddleware:
    """Set REMOTE_ADDR to the client's address when a trusted proxy forwarded the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        networks = settings.ALLIANCE_TRUSTED_PROXIES
        if networks:
            meta = request.META
            meta["REMOTE_ADDR"] = client_address(
                meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), networks
            )
        return self.get_response(request)
