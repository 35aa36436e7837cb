"""The practice decides which instruments' trends clients see in their portal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from alliance.instruments import UnknownInstrumentError, load_instrument
from alliance.web.accounts.access import staff_user
from alliance.web.accounts.admin import ClinicAdminMixin
from alliance.web.accounts.models import Organisation
from alliance.web.collaboration.models import PortalSettings


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ["organisation", "client_visible_instruments"]
        help_texts = {
            "client_visible_instruments": 'A JSON list of instrument ids, e.g. ["phq9", "who5"]. '
            "Alliance measures are best left out so that clients rate the relationship freely."
        }

    def clean_client_visible_instruments(self):
        value = self.cleaned_data["client_visible_instruments"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError("Give a list of instrument ids.")
        for instrument_id in value:
            try:
                load_instrument(instrument_id)
            except UnknownInstrumentError as exc:
                raise forms.ValidationError(f"Unknown instrument {instrument_id!r}.") from exc
        return value


@admin.register(PortalSettings)
class PortalSettingsAdmin(ClinicAdminMixin, admin.ModelAdmin):
    form = PortalSettingsForm
    list_display = ["organisation", "client_visible_instruments"]

    def get_queryset(self, request: HttpRequest):
        # A clinic admin sees only their own practice's settings.
        queryset = super().get_queryset(request)
        if staff_user(request).is_superuser:
            return queryset
        return queryset.filter(organisation_id=staff_user(request).organisation_id)

    def has_delete_permission(self, request: HttpRequest, obj=None):
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if db_field.name == "organisation" and not staff_user(request).is_superuser:
            organisation_id = staff_user(request).organisation_id
            kwargs["queryset"] = (
                Organisation.objects.filter(pk=organisation_id)
                if organisation_id is not None
                else Organisation.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
