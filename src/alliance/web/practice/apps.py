from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "alliance.web.practice"
    label = "practice"
    verbose_name = "Practice"
