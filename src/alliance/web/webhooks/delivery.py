"""Send one delivery over HTTP: the signed body, the POST, the backoff between attempts.

The queue (`tasks`) makes the attempts, records them and schedules the retries with these.

Each attempt is a POST of the stored payload as JSON, signed with the endpoint's secret, with
a 5-second timeout. Redirects are not followed (a 3xx counts as a failure, like any non-2xx).
After a failure the next attempt waits 30 s, 2 min, 10 min, 1 h, then 6 h; the sixth failure
marks the delivery failed. Attempts are claimed by number, so a task that runs twice (a
worker restarted mid-task, a requeued delivery) sends nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from alliance.web.webhooks.forms import is_public_address, private_allowed
from alliance.web.webhooks.models import (
    BACKOFF_SECONDS,
    Delivery,
)
from alliance.web.webhooks.signing import SIGNATURE_HEADER, signature_header

TIMEOUT_SECONDS = 5.0
USER_AGENT = "Alliance-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave: a status code, or an error and no code."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(payload: dict[str, Any]) -> bytes:
    """Return the exact bytes sent (and signed) for a payload."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode(
        "utf-8"
    )


def backoff(attempt: int) -> dt.timedelta:
    """Return the wait after failed attempt number ``attempt`` (1-based)."""
    index = min(max(attempt, 1), len(BACKOFF_SECONDS)) - 1
    return dt.timedelta(seconds=BACKOFF_SECONDS[index])


def _resolve(hostname: str, port: int) -> str:
    """Return the address to connect to; refuse private ones unless they are allowed."""
    infos = socket.getaddrinfo(hostname.strip("[]"), port, type=socket.SOCK_STREAM)
    # cast: a host name resolves to IPv4 or IPv6 addresses, whose host part is text.
    addresses = [cast(str, info[4][0]) for info in infos]
    if not private_allowed():
        private = [a for a in addresses if not is_public_address(a)]
        if private:
            raise ValueError(
                f"refused: {hostname} resolves to a private or loopback address ({private[0]})"
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a checked address, with the URL's host name in the Host header."""

    def __init__(self, host: str, address: str, port: int, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is still verified for the host name."""

    def __init__(
        self, host: str, address: str, port: int, *, context: ssl.SSLContext, **kwargs: Any
    ) -> None:
        super().__init__(host, port, context=context, **kwargs)
        self._address = address
        self._pinned_context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._pinned_context.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS
) -> Outcome:
    """POST ``body`` to ``url`` without following redirects; return an ``Outcome``."""
    started = time.monotonic()

    def done(status: int | None, error: str = "") -> Outcome:
        return Outcome(status, error[:300], int((time.monotonic() - started) * 1000))

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return done(None, f"not an http(s) URL: {url[:100]}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = _resolve(parts.hostname, port)
    except OSError as exc:
        return done(None, f"cannot resolve {parts.hostname}: {exc}")
    except ValueError as exc:
        return done(None, str(exc))
    # Connect to the address that was checked, so a second DNS answer cannot redirect us.
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPSConnection(
            parts.hostname, address, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _PinnedHTTPConnection(parts.hostname, address, port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # the body is not kept; reading lets the server finish cleanly
        status = response.status
    except TimeoutError:
        return done(None, f"no answer within {timeout:g} s")
    except ssl.SSLError as exc:
        return done(None, f"TLS error: {exc.reason or exc}")
    except ConnectionRefusedError:
        return done(None, "connection refused")
    except (OSError, http.client.HTTPException) as exc:
        return done(None, f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
    if 300 <= status < 400:
        return done(status, f"HTTP {status}: redirects are not followed")
    if not 200 <= status < 300:
        return done(status, f"HTTP {status}")
    return done(status)


def headers_for(delivery: Delivery, body: bytes, secret: str) -> dict[str, str]:
    """Return the request headers of one attempt, the signature included."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Alliance-Event": delivery.event_type,
        "Alliance-Delivery": str(delivery.public_id),
        SIGNATURE_HEADER: signature_header(secret, body),
    }
