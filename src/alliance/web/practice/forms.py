"""Forms for the practice core; each rejects bad input at the field and saves nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.web.practice.models import (
    Client,
    EndingType,
    Episode,
    Phase,
    Session,
)
from alliance.web.practice.vocabulary import term


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ConsentGivenForm(forms.Form):
    """A consent recorded on a day that has happened; subclasses name what was agreed."""

    given_on = forms.DateField(label=_("Consent given on"), widget=DateInput())

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Consent cannot be dated in the future."))
        return day


class ClientForm(forms.ModelForm):
    code = forms.CharField(
        required=False,
        max_length=32,
        label=_("Client code"),
        help_text=_("Leave empty to generate the next pseudonymous code."),
    )

    class Meta:
        model = Client
        fields = ["code", "name", "email", "phone", "preferred_language", "year_of_birth", "gender"]
        labels = {
            "name": _("Name (optional, encrypted)"),
            "email": _("E-mail (optional, encrypted)"),
            "phone": _("Phone (optional, encrypted)"),
        }

    def clean_email(self):
        value = (self.cleaned_data.get("email") or "").strip()
        if value:
            forms.EmailField().clean(value)
        return value

    def clean_year_of_birth(self):
        year = self.cleaned_data.get("year_of_birth")
        this_year = timezone.localdate().year
        if year is not None and not 1900 <= year <= this_year:
            raise forms.ValidationError(
                _("Enter a year between 1900 and %(year)s.") % {"year": this_year}
            )
        return year


class EpisodeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = [
            "service",
            "started_on",
            "mandated",
            "interpreter_needed",
            "interpreter_language",
            "referral_reason",
        ]
        widgets = {"started_on": DateInput(), "referral_reason": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "mandated": _("Mandated or legally coerced"),
            "referral_reason": _("Referral reason (encrypted)"),
        }

    def __init__(self, *args: Any, kind: object = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reason someone comes, in the words of the practitioner's kind of practice.
        if kind is not None:
            self.fields["referral_reason"].label = _("%(reason)s (encrypted)") % {
                "reason": term(kind, "reason")
            }

    def clean_started_on(self):
        started = self.cleaned_data["started_on"]
        if started > timezone.localdate() + dt.timedelta(days=365):
            raise forms.ValidationError(_("The start date is more than a year ahead."))
        return started

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("interpreter_needed") and not (data.get("interpreter_language") or "").strip():
            self.add_error("interpreter_language", _("Say which language the interpreter speaks."))
        return data


class SessionForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    class Meta:
        model = Session
        fields = [
            "starts_at",
            "duration_minutes",
            "format",
            "attendance",
            "interpreter_present",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "duration_minutes": _("Duration (minutes)"),
            "note": _("Session note (encrypted)"),
        }

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 480:
            raise forms.ValidationError(_("A session lasts between 5 and 480 minutes."))
        return minutes


class PhaseForm(forms.Form):
    to_phase = forms.ChoiceField(label=_("Move to phase"), choices=Phase.choices)
    changed_on = forms.DateField(label=_("Date of the change"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when moving back to an earlier phase."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, record this phase change"),
        error_messages={"required": _("Tick the box to confirm the phase change.")},
    )


class EndEpisodeForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DateInput())
    ending_type = forms.ChoiceField(label=_("How did it end?"), choices=EndingType.choices)
    confirm = forms.BooleanField(
        label=_("Yes, end this episode"),
        error_messages={"required": _("Tick the box to confirm the ending.")},
    )
