"""Forms built from instrument definitions, and the measurement-plan form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.instruments import Instrument, load_library, structure_only_reason
from alliance.web.forms import form_field
from alliance.web.measures.models import Schedule


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class RatingWidget(forms.RadioSelect):
    template_name = "measures/widgets/rating.html"
    option_template_name = "django/forms/widgets/radio_option.html"
    # The scale's end labels, set by InstrumentForm (None or {} where the item has none).
    min_label: str | Mapping[str, str] | None = None
    max_label: str | Mapping[str, str] | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        """Add the end labels, and for screen readers which number each one stands at."""
        context = super().get_context(name, value, attrs)
        values = [str(choice[0]) for choice in self.choices]
        ends = []
        if values and self.min_label:
            ends.append(f"{values[0]}: {self.min_label}")
        if values and self.max_label:
            ends.append(f"{values[-1]}: {self.max_label}")
        context["widget"].update(
            min_label=self.min_label, max_label=self.max_label, ends_described="; ".join(ends)
        )
        return context


class InstrumentForm(forms.Form):
    """One instrument's items as radio groups; required items enforced with a clear message."""

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        lang: str,
        previous: Mapping[str, float | None] | None = None,
        **kwargs: Any,
    ) -> None:
        """`previous`: answers given before (the client went back a step), shown chosen."""
        kwargs.setdefault("prefix", instrument.id)
        if previous:
            kwargs.setdefault(
                "initial", {item: _fmt(v) for item, v in previous.items() if v is not None}
            )
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.lang = lang
        for item in instrument.items:
            widget: forms.RadioSelect
            if item.kind == "vas":
                step = item.answers.step or 1
                values = []
                v = item.min
                while v <= item.max + 1e-9:
                    values.append(v)
                    v += step
                choices = [(_fmt(v), _fmt(v)) for v in values]
                widget = RatingWidget(attrs={"class": "scale"})
                widget.min_label = item.answers.min_label and _pick(item.answers.min_label, lang)
                widget.max_label = item.answers.max_label and _pick(item.answers.max_label, lang)
            else:
                choices = [(_fmt(o.value), o.label(lang)) for o in item.options]
                widget = forms.RadioSelect(attrs={"class": "options"})
            conditional = item.enable_when is not None
            self.fields[item.id] = forms.ChoiceField(
                label=item.text(lang),
                choices=choices,
                widget=widget,
                required=item.required and not conditional,
                error_messages={"required": _("Please choose an answer to this question.")},
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for item in self.instrument.items:
            if item.enable_when is None:
                continue
            source, value = item.enable_when
            answered = data.get(source)
            if answered not in (None, "") and float(answered) == float(value):
                if data.get(item.id) in (None, ""):
                    self.add_error(item.id, _("Please choose an answer to this question."))
            else:
                data[item.id] = ""
        return data

    def answers(self) -> dict[str, float | None]:
        """The cleaned answers as numbers, None for unanswered items."""
        return {
            item.id: (
                float(self.cleaned_data[item.id])
                if self.cleaned_data.get(item.id) not in (None, "")
                else None
            )
            for item in self.instrument.items
        }


def _pick(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))


class PlanItemForm(forms.Form):
    instrument_id = forms.ChoiceField(label=gettext_lazy("Instrument"))
    schedule = forms.ChoiceField(label=gettext_lazy("When"), choices=Schedule.choices)
    every_n = forms.IntegerField(
        label=gettext_lazy("Every N sessions"),
        required=False,
        min_value=2,
        max_value=52,
        help_text=gettext_lazy("Only for “Every Nth session”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        library = load_library()
        form_field(self, "instrument_id", forms.ChoiceField).choices = [
            (i.id, f"{i.short_name} — {i.name('en')}")
            for i in sorted((library[key] for key in library), key=lambda i: i.id)
            if i.respondent == "client"
        ]
        self._library = library

    def clean_instrument_id(self) -> str:
        """Refuse an instrument shipped as structure only, saying how to load its text."""
        value: str = self.cleaned_data["instrument_id"]
        reason = structure_only_reason(self._library[value])
        if reason:
            raise forms.ValidationError(reason)
        return value
