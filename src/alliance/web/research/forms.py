"""Forms of the research pages; each rejects bad input at the field and changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.research.sem.partable import GROUP_EQUAL
from alliance.web.forms import form_field
from alliance.web.practice.forms import ConsentGivenForm, DateInput
from alliance.web.practice.models import Service
from alliance.web.research.actions import MAX_BOOTSTRAP
from alliance.web.research.models import ExportShape

DATA_FORMATS = [
    ("csv", _("CSV")),
    ("parquet", _("Parquet")),
    ("sav", _("SPSS (.sav) with variable and value labels")),
]


class ConsentedDataForm(forms.Form):
    """Which consented data: the instruments (offered as the page finds them) and services."""

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

    def __init__(
        self, *args: Any, instruments: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "instruments", forms.MultipleChoiceField).choices = list(instruments)


class ExportForm(ConsentedDataForm):
    """The data-set builder: which instruments, which shape, which file format."""

    shape = forms.ChoiceField(
        label=_("Layout"),
        choices=ExportShape.choices,
        initial=ExportShape.LONG,
        widget=forms.RadioSelect,
    )
    format = forms.ChoiceField(
        label=_("File format"), choices=DATA_FORMATS, initial="csv", widget=forms.RadioSelect
    )


class ReportForm(forms.Form):
    """The offline HTML report: only the random seed is chosen."""

    seed = forms.IntegerField(
        label=_("Random seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=20240601,
        help_text=_("The same seed and data give the same report."),
    )


#: the group.equal choices the page offers (the engine knows a few more, see GROUP_EQUAL)
GROUP_EQUAL_CHOICES = [
    (name, name)
    for name in GROUP_EQUAL
    if name in ("loadings", "intercepts", "residuals", "means", "thresholds")
]
FIT_SHAPES = [
    ("wide", _("Wide: one row per episode, sessions as waves (<instrument>_score_s<n>)")),
    ("long", _("Long: one row per episode × session × instrument, with the items")),
]


def _column_list(value: str) -> list[str]:
    return [c.strip() for c in value.replace("\n", ",").split(",") if c.strip()]


class FitForm(ConsentedDataForm):
    """A structural equation model in lavaan syntax, the data it is fitted to and the
    options of ``alliance research fit``."""

    field_order = ["model", "instruments", "services"]

    model = forms.CharField(
        label=_("Model (lavaan syntax)"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "The syntax you would give lavaan: =~, ~, ~~, ~ 1, labels (a*x2), == constraints "
            "and := defined parameters. Observed variables are columns of the data below."
        ),
    )
    shape = forms.ChoiceField(
        label=_("Layout of the data"),
        choices=FIT_SHAPES,
        initial="wide",
        widget=forms.RadioSelect,
        help_text=_("The same tables as the data-set builder's, from consenting clients only."),
    )
    session = forms.IntegerField(
        label=_("Only session number"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("Long layout only: keep the forms of this session (1: each episode's first)."),
    )
    estimator = forms.ChoiceField(
        label=_("Estimator"),
        required=False,
        choices=[
            ("", _("Default: ML, or WLSMV with ordered columns")),
            ("ML", _("ML")),
            ("MLR", _("MLR: robust (Huber–White) standard errors, Yuan–Bentler scaled test")),
            ("WLSMV", _("WLSMV: ordered categories, mean- and variance-adjusted test")),
        ],
        widget=forms.RadioSelect,
    )
    ordered = forms.CharField(
        label=_("Ordered columns"),
        required=False,
        max_length=2000,
        help_text=_(
            "Comma-separated column names of ordered categorical items (lavaan's ordered)."
        ),
    )
    group = forms.CharField(
        label=_("Group column"),
        required=False,
        max_length=100,
        help_text=_("A column whose values define groups, e.g. service (lavaan's group)."),
    )
    group_equal = forms.MultipleChoiceField(
        label=_("Held equal across groups"),
        required=False,
        choices=GROUP_EQUAL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("lavaan's group.equal; needs a group column."),
    )
    missing = forms.ChoiceField(
        label=_("Missing data"),
        choices=[
            ("listwise", _("Listwise: complete cases only")),
            ("ml", _("Full-information maximum likelihood (FIML)")),
        ],
        initial="listwise",
        widget=forms.RadioSelect,
    )
    std_lv = forms.BooleanField(
        label=_("Fix latent variances to 1 instead of the first loadings (std.lv)"),
        required=False,
    )
    bootstrap = forms.IntegerField(
        label=_("Bootstrap draws"),
        min_value=0,
        max_value=MAX_BOOTSTRAP,
        initial=0,
        help_text=_(
            "0 for none; at most %(cap)s. Percentile intervals for every parameter and "
            "every := quantity; each draw is a whole fit, so many draws take a while."
        )
        % {"cap": f"{MAX_BOOTSTRAP:,}"},
    )
    seed = forms.IntegerField(
        label=_("Seed of the bootstrap"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        initial=20240601,
        help_text=_("The same seed, data and model give the same intervals."),
    )

    def clean_ordered(self) -> list[str]:
        return _column_list(self.cleaned_data["ordered"])

    def clean_group(self) -> str:
        group: str = self.cleaned_data["group"]
        return group.strip()

    def clean_estimator(self) -> str | None:
        return self.cleaned_data["estimator"] or None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("group_equal") and not cleaned.get("group"):
            self.add_error(
                "group", _("Name a group column to hold parameters equal across groups.")
            )
        if cleaned.get("session") and cleaned.get("shape") == "wide":
            self.add_error("session", _("Choose the long layout to keep one session's forms."))
        return cleaned


class ResearchConsentForm(ConsentGivenForm):
    """Record research consent on a date (withdrawal needs no fields)."""

    given_on = forms.DateField(label=_("Research consent given on"), widget=DateInput())
    confirm = forms.BooleanField(
        label=_("The client agreed that their pseudonymised answers may be used for research"),
        error_messages={"required": _("Tick the box to confirm the client's consent.")},
    )
