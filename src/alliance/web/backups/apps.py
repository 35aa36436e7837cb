from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """No models: the app only carries the `backup` and `restore` management commands."""

    name = "alliance.web.backups"
    label = "backups"
    verbose_name = "Backups"
