"""The small GET forms of the outcome pages."""

from __future__ import annotations

from django import forms

from alliance.web.outcomes.dashboards import COVARIATES, DEFAULT_MIN_SESSIONS


class DashboardForm(forms.Form):
    min_sessions = forms.IntegerField(
        min_value=1,
        max_value=20,
        initial=DEFAULT_MIN_SESSIONS,
        required=False,
        label="Dropout: fewer than this many attended sessions",
    )
    adjust = forms.MultipleChoiceField(
        choices=list(COVARIATES.items()),
        required=False,
        initial=["gad7_start"],
        widget=forms.CheckboxSelectMultiple,
        label="Adjust practitioner effects for (besides intake PHQ-9)",
    )

    def settings(self) -> tuple[int, list[str]]:
        """Return (minimum sessions, covariates), the defaults when the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return DEFAULT_MIN_SESSIONS, ["gad7_start"]
        data = self.cleaned_data
        return data["min_sessions"] or DEFAULT_MIN_SESSIONS, list(data["adjust"])


class ReportForm(forms.Form):
    episode = forms.UUIDField(required=False, widget=forms.HiddenInput)
    include_notes = forms.BooleanField(
        required=False, label="Include my session notes (off by default)"
    )
