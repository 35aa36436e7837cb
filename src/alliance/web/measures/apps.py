from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "alliance.web.measures"
    label = "measures"
    verbose_name = "Measures and checks"
