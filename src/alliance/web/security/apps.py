"""Staff sign-in hardening: two-factor authentication, recovery codes, lockout, headers."""

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "alliance.web.security"
    label = "security"
    verbose_name = "Sign-in security"

    def ready(self) -> None:
        from alliance.web.security import admin_site, checks, signals  # noqa: F401

        admin_site.require_second_factor()
