from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "alliance.web.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
