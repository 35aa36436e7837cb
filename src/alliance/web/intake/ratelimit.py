"""A small rate limit on Django's shared cache, keyed by the client's address.

The cache is shared by every worker and process (the database cache by default, Redis with
ALLIANCE_CACHE_URL), so `limit` holds for the whole deployment, not per worker.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

INTAKE_LIMIT = 5
INTAKE_WINDOW_SECONDS = 3600


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR, not X-Forwarded-For: a header the sender writes would let them reset it.
    # Behind a proxy, the proxy (or middleware) must set REMOTE_ADDR to the real address.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, request: HttpRequest, *, limit: int, window: int) -> bool:
    """Count one attempt; return True while the address has made at most `limit` in `window` seconds.

    Each attempt claims one of `limit` numbered slots, each kept for `window` seconds.
    `cache.add` is atomic on the shared backends (an INSERT on the database cache's primary
    key, SET NX on Redis), so two workers can never both take the last slot — a read, add
    one and write back could.
    """
    base = f"alliance:rate:{scope}:{client_address(request)}"
    return any(cache.add(f"{base}:{slot}", 1, timeout=window) for slot in range(limit))
