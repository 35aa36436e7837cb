from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "alliance.web.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from alliance.web.measures.listeners import Announcer, register_announcer
        from alliance.web.webhooks import events

        register_announcer(Announcer(events.response_received, events.listening_to_responses))
