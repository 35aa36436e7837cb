"""The erasure confirmation and the retention settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.web.rights.actions import ANONYMISE, ERASE


class ErasureForm(forms.Form):
    """Choose erase or anonymise and type the client's code to confirm."""

    mode = forms.ChoiceField(
        label=_("What to do"),
        choices=[
            (ANONYMISE, _("Anonymise: keep scores for statistics, remove everything identifying")),
            (ERASE, _("Erase: delete the client and every record about them")),
        ],
        widget=forms.RadioSelect,
    )
    confirm_code = forms.CharField(
        label=_("Type the client code to confirm"),
        max_length=32,
        help_text=_("This cannot be undone."),
    )

    def __init__(self, *args: Any, client=None, **kwargs: Any) -> None:
        self.client = client
        super().__init__(*args, **kwargs)
        self.fields["confirm_code"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )

    def clean_confirm_code(self):
        typed = self.cleaned_data["confirm_code"].strip()
        if typed != self.client.code:
            raise forms.ValidationError(
                _("That is not the client code %(code)s; nothing was changed."),
                params={"code": self.client.code},
            )
        return typed


class FindClientForm(forms.Form):
    code = forms.CharField(label=_("Client code"), max_length=32)


class RetentionForm(forms.Form):
    retention_years = forms.IntegerField(
        label=_("Keep records for (years after the last episode ended)"),
        min_value=1,
        max_value=100,
        error_messages={
            "min_value": _("Keep records for at least 1 year."),
            "max_value": _("Keep records for at most 100 years."),
            "invalid": _("Enter a whole number of years."),
            "required": _("Enter how many years to keep records."),
        },
    )
    retention_action = forms.ChoiceField(
        label=_("Then"),
        choices=[
            (ANONYMISE, _("Anonymise (keep scores for statistics, remove everything identifying)")),
            (ERASE, _("Erase (delete the client and every record about them)")),
        ],
        widget=forms.RadioSelect,
    )
