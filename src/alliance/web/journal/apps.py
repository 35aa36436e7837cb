from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "alliance.web.journal"
    label = "journal"
    verbose_name = "Reflection, self-care and the practice page"
