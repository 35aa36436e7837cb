"""Forms of the security pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SecondStepForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "The 6-digit code from your authenticator app, or one of your recovery codes."
        )
        self.fields["code"].widget.attrs["inputmode"] = "text"


class PracticeTwoFactorForm(forms.Form):
    two_factor_for_all_staff = forms.BooleanField(
        label=_("Require two-factor authentication from every member of staff"),
        required=False,
        help_text=_(
            "Clinic admins always need it. Staff without it are asked to set it up at their next page."
        ),
    )
