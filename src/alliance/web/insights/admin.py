"""Django admin for a clinic admin's monitoring thresholds (their own organisation only)."""

from django import forms
from django.contrib import admin

from alliance.monitoring import MonitoringSettings as EngineSettings
from alliance.web.accounts.admin import OrganisationSettingsAdminMixin
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
class MonitoringSettingsAdmin(OrganisationSettingsAdminMixin, admin.ModelAdmin):
    form = MonitoringSettingsForm
    list_display = ["organisation", "inbox_cap", "updated_at"]
