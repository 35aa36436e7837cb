"""Django admin for a clinic admin's research settings (never the project key)."""

from django.contrib import admin

from alliance.web.accounts.admin import ClinicAdminMixin
from alliance.web.research.models import ResearchSettings


@admin.register(ResearchSettings)
class ResearchSettingsAdmin(ClinicAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "admins_may_access", "updated_at"]
    fields = ["admins_may_access"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation")
        return (
            qs if request.user.is_superuser else qs.filter(organisation=request.user.organisation)
        )

    def has_add_permission(self, request):
        if not super().has_add_permission(request) or request.user.organisation_id is None:
            return False
        return not ResearchSettings.objects.filter(
            organisation_id=request.user.organisation_id
        ).exists()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.organisation = request.user.organisation
        super().save_model(request, obj, form, change)
