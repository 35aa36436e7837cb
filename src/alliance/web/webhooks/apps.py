from typing import Any

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "alliance.web.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from alliance.web.measures.listeners import Announcer, register_announcer
        from alliance.web.webhooks import events

        register_announcer(Announcer(events.response_received, events.listening_to_responses))
        from alliance.web.insights.signals import alert_resolved, alerts_opened

        alerts_opened.connect(_alerts_opened, dispatch_uid="webhooks-alerts-opened")
        alert_resolved.connect(_alert_resolved, dispatch_uid="webhooks-alert-resolved")


def _alerts_opened(sender, organisation, alerts, **kwargs: Any) -> None:
    """Each alert opened (or open again) is an `alert.opened` event."""
    # Imported when called: apps.py is loaded before the models that events.py needs.
    from alliance.web.webhooks.events import alerts_opened

    alerts_opened(organisation, alerts)


def _alert_resolved(sender, alert, **kwargs: Any) -> None:
    """An alert a practitioner resolved is an `alert.resolved` event."""
    # Imported when called: apps.py is loaded before the models that events.py needs.
    from alliance.web.webhooks.events import alert_resolved

    alert_resolved(alert)
