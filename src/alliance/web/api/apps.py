"""The JSON API under /api/v1/: tokens with scopes, resources, FHIR endpoints, idempotency."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "alliance.web.api"
    label = "api"
    verbose_name = "API"
