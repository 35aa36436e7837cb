"""The named interface through which measures tells other apps that answers were recorded.

Measures records the answers and sits below the apps that react to them: insights brings the
alerts up to date, webhooks announce the response to the practice's endpoints. Each registers
here in its AppConfig.ready(), so measures imports neither of them (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Monitoring:
    """How the alerts follow the answers (registered by insights)."""

    # Bring one episode's alerts up to date now (a critical answer, a reviewed one).
    refresh_episode: Callable[[Any], Any]
    # The same after this transaction: by the worker, or here when not in the background.
    refresh_episode_soon: Callable[[Any], Any]
    # Recompute every signal of one practice in one batch run (after an import).
    monitor_organisation: Callable[[Any], Any]


@dataclass(frozen=True)
class Announcer:
    """How the world outside hears of a stored response (registered by webhooks)."""

    # Announce one stored MeasureResponse (delivered once the transaction commits).
    response_received: Callable[[Any], Any]
    # Whether anyone in this organisation listens, so a large import is not read back for none.
    listening: Callable[[Any], bool]


_monitoring: list[Monitoring] = []
_announcers: list[Announcer] = []


def register_monitoring(monitoring: Monitoring) -> None:
    """Make `monitoring` the one that follows the answers (the last registration wins)."""
    _monitoring[:] = [monitoring]


def monitoring() -> Monitoring:
    """Return the registered monitoring; refuse to go on without one (answers would go unseen)."""
    if not _monitoring:
        raise ImproperlyConfigured("No app follows the answers: install alliance.web.insights.")
    return _monitoring[0]


def register_announcer(announcer: Announcer) -> None:
    """Add `announcer` to those told of every stored response (once, however often called)."""
    if announcer not in _announcers:
        _announcers.append(announcer)


def announcers() -> tuple[Announcer, ...]:
    """Return the registered announcers (none when no app announces responses)."""
    return tuple(_announcers)
