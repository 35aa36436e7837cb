from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "alliance.web.insights"
    label = "insights"
    verbose_name = "Alliance monitoring"
