from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "alliance.web.accounts"
    label = "accounts"
    verbose_name = "Organisations and staff"

    def ready(self) -> None:
        from alliance.web.accounts import signals  # noqa: F401
