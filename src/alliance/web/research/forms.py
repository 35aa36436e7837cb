"""Forms of the research pages; each rejects bad input at the field and changes nothing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.web.practice.forms import ConsentGivenForm, DateInput
from alliance.web.practice.models import Service
from alliance.web.research.models import ExportShape

DATA_FORMATS = [
    ("csv", _("CSV")),
    ("parquet", _("Parquet")),
    ("sav", _("SPSS (.sav) with variable and value labels")),
]


class ExportForm(forms.Form):
    """The data-set builder: which instruments, which shape, which file format."""

    instruments = forms.MultipleChoiceField(
        label=_("Instruments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to include every instrument."),
    )
    services = forms.MultipleChoiceField(
        label=_("Episodes of these services"),
        required=False,
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to include every episode."),
    )
    shape = forms.ChoiceField(
        label=_("Layout"),
        choices=ExportShape.choices,
        initial=ExportShape.LONG,
        widget=forms.RadioSelect,
    )
    format = forms.ChoiceField(
        label=_("File format"), choices=DATA_FORMATS, initial="csv", widget=forms.RadioSelect
    )

    def __init__(self, *args, instruments: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].choices = list(instruments)


class ReportForm(forms.Form):
    """The offline HTML report: only the random seed is chosen."""

    seed = forms.IntegerField(
        label=_("Random seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=20240601,
        help_text=_("The same seed and data give the same report."),
    )


class ResearchConsentForm(ConsentGivenForm):
    """Record research consent on a date (withdrawal needs no fields)."""

    given_on = forms.DateField(label=_("Research consent given on"), widget=DateInput())
    confirm = forms.BooleanField(
        label=_("The client agreed that their pseudonymised answers may be used for research"),
        error_messages={"required": _("Tick the box to confirm the client's consent.")},
    )
