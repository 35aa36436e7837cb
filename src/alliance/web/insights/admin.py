"""Django admin for a clinic admin's monitoring thresholds (their own organisation only)."""

from typing import Any

from django import forms
from django.contrib import admin

from alliance.monitoring import MonitoringSettings as EngineSettings
from alliance.web.accounts.admin import OrganisationSettingsAdminMixin
from alliance.web.insights.models import PracticeMonitoringSettings
from alliance.web.insights.services import thresholds_in_use


class PracticeMonitoringSettingsForm(forms.ModelForm[PracticeMonitoringSettings]):
    class Meta:
        model = PracticeMonitoringSettings
        fields = ["settings", "inbox_cap"]

    def clean_settings(self) -> dict[str, Any]:
        """Refuse unknown names and invalid thresholds with the engine's own message."""
        value = self.cleaned_data["settings"] or {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Give the overrides as a JSON object.")
        try:
            EngineSettings.from_dict(value)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value


@admin.register(PracticeMonitoringSettings)
class PracticeMonitoringSettingsAdmin(
    OrganisationSettingsAdminMixin, admin.ModelAdmin[PracticeMonitoringSettings]
):
    form = PracticeMonitoringSettingsForm
    list_display = ["organisation", "inbox_cap", "updated_at"]
    readonly_fields = ["thresholds_in_use"]

    @admin.display(description="Rupture-alert thresholds in use")
    def thresholds_in_use(self, obj: PracticeMonitoringSettings | None) -> str:
        """Which noise SD each alliance instrument's alerts use: the practice's or a default."""
        from django.utils.html import format_html_join

        if obj is None or obj.organisation_id is None:
            return "-"
        rows = thresholds_in_use(obj.organisation)
        return format_html_join(
            "",
            "<p>{}: noise SD {} ({}); low cut-off {}; reliable change {}</p>",
            (
                (
                    r["instrument"],
                    f"{r['noise_sd']:.2f}" if r["noise_sd"] is not None else "-",
                    r["source"],
                    r["low_cutoff"] if r["low_cutoff"] is not None else "none",
                    r["reliable_change"] if r["reliable_change"] is not None else "none",
                )
                for r in rows
            ),
        )
