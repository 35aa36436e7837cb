"""A small fixed-window rate limit on Django's cache, keyed by the client's address."""

from __future__ import annotations

from django.core.cache import cache

INTAKE_LIMIT = 5
INTAKE_WINDOW_SECONDS = 3600


def client_address(request) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a header the sender writes would let them reset it.
    # Behind a proxy, the proxy (or middleware) must set REMOTE_ADDR to the real address.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, request, *, limit: int, window: int) -> bool:
    """Count one attempt; return True while the address stays within `limit` per window."""
    key = f"alliance:rate:{scope}:{client_address(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
