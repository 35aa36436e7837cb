from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "alliance.web.intake"
    label = "intake"
    verbose_name = "The public practice pages and intake requests"
