"""Django admin for a clinic admin's research settings (never the project key)."""

from django.contrib import admin

from alliance.web.accounts.admin import OrganisationSettingsAdminMixin
from alliance.web.research.models import ResearchSettings


@admin.register(ResearchSettings)
class ResearchSettingsAdmin(OrganisationSettingsAdminMixin, admin.ModelAdmin[ResearchSettings]):
    list_display = ["organisation", "admins_may_access", "updated_at"]
    fields = ["admins_may_access"]
