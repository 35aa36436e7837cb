"""Forms of the alert inbox."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SNOOZE_CHOICES = [
    ("1", _("1 day")),
    ("3", _("3 days")),
    ("7", _("1 week")),
    ("14", _("2 weeks")),
    ("28", _("4 weeks")),
]


class SnoozeForm(forms.Form):
    days = forms.ChoiceField(label=_("Snooze for"), choices=SNOOZE_CHOICES, initial="7")
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Why it can wait (kept encrypted)."),
    )

    def until(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=int(self.cleaned_data["days"]))


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short note, kept encrypted (e.g. talked it through at the next session)."),
    )
