"""Django admin for a clinic admin's monitoring thresholds (their own organisation only)."""

from django import forms
from django.contrib import admin

from alliance.monitoring import MonitoringSettings as EngineSettings
from alliance.web.accounts.admin import ClinicAdminMixin
from alliance.web.insights.models import MonitoringSettings


class MonitoringSettingsForm(forms.ModelForm):
    class Meta:
        model = MonitoringSettings
        fields = ["settings", "inbox_cap"]

    def clean_settings(self):
        """Refuse unknown names and invalid thresholds with the engine's own message."""
        value = self.cleaned_data["settings"] or {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Give the overrides as a JSON object.")
        try:
            EngineSettings.from_dict(value)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(ClinicAdminMixin, admin.ModelAdmin):
    form = MonitoringSettingsForm
    list_display = ["organisation", "inbox_cap", "updated_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation")
        return (
            qs if request.user.is_superuser else qs.filter(organisation=request.user.organisation)
        )

    def has_add_permission(self, request):
        if not super().has_add_permission(request) or request.user.organisation_id is None:
            return False
        return not MonitoringSettings.objects.filter(
            organisation_id=request.user.organisation_id
        ).exists()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.organisation = request.user.organisation
        super().save_model(request, obj, form, change)
