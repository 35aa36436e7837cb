"""The insights feature's extension points (Django signals other features listen to).

Insights opens and resolves alerts and sits beside the apps that announce them: webhooks
connects to these in its AppConfig.ready(), so insights imports no webhook code
(docs/architecture.md). Both are sent inside the transaction that stores the change;
a receiver that reaches outside (an HTTP call) waits for the commit itself.
"""

from __future__ import annotations

from django.dispatch import Signal

alerts_opened = Signal()
"""Sent when alerts that need attention are opened or open again. Keyword arguments:
``organisation`` and ``alerts`` (a non-empty list of stored `Alert` rows of it)."""

alert_resolved = Signal()
"""Sent when a practitioner resolves an alert. Keyword argument: ``alert``."""
