"""Sign webhook bodies and check their signatures; plain Python, no Django.

The header is ``Alliance-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
HMAC-SHA256 keyed with the endpoint's secret over ``f"{t}.{body}"``. Receivers recompute it
over the raw request body, compare in constant time and refuse old timestamps (replays).
This module has no dependencies beyond the standard library, so integrators may copy it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Alliance-Signature"
DEFAULT_TOLERANCE = 300


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def compute_signature(secret: str, timestamp: int, body: bytes | str) -> str:
    """Return the hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with ``secret``."""
    message = str(int(timestamp)).encode("ascii") + b"." + _as_bytes(body)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes | str, timestamp: int | None = None) -> str:
    """Return the value of the ``Alliance-Signature`` header for ``body``."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={compute_signature(secret, t, body)}"


def verify_signature(
    secret: str,
    header: str | None,
    body: bytes | str,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> bool:
    """Return whether ``header`` is a valid signature of ``body`` made within ``tolerance`` s.

    ``body`` must be the raw request body exactly as received. Several ``v1=`` values are
    accepted (any one matching suffices), so a sender may sign with an old and a new secret
    while a secret is being rotated.
    """
    if not header or not secret:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            candidates.append(value.strip())
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
