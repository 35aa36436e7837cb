from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "alliance.web.collaboration"
    label = "collaboration"
    verbose_name = "Goals, tasks and the client portal"
