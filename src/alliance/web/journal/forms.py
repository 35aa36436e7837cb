"""Forms of the journal app; each rejects bad input at the field and saves nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.web.forms import form_field
from alliance.web.journal.models import JournalEntry, Tag
from alliance.web.practice.forms import DateInput
from alliance.web.practice.models import Session


class JournalEntryForm(forms.Form):
    written_on = forms.DateField(label=_("Date"), widget=DateInput())
    tags = forms.MultipleChoiceField(
        label=_("Tags"), choices=Tag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    session = forms.ChoiceField(
        label=_("About a session (optional)"),
        required=False,
        help_text=_("The session page then shows you — and only you — that a reflection exists."),
    )
    text = forms.CharField(
        label=_("Reflection (encrypted, private to you)"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
    )

    def __init__(self, *args: Any, sessions: Iterable[Session] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = {str(s.public_id): s for s in sessions}
        form_field(self, "session", forms.ChoiceField).choices = [("", _("— none —"))] + [
            (key, f"{s.episode.client.code} · {s} · {s.starts_at:%d %b %Y}")
            for key, s in self.sessions.items()
        ]
        self.fields["written_on"].initial = timezone.localdate()

    def clean_written_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["written_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A reflection cannot be dated in the future."))
        return day

    def clean_session(self) -> Session | None:
        key = self.cleaned_data.get("session") or ""
        return self.sessions.get(key)


class JournalSearchForm(forms.Form):
    tag = forms.ChoiceField(
        label=_("Tag"), required=False, choices=[("", _("Any tag"))] + list(Tag.choices)
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, entries: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data.get("tag"):
            entries = entries.filter(tags__contains=f"|{data['tag']}|")
        if data.get("date_from"):
            entries = entries.filter(written_on__gte=data["date_from"])
        if data.get("date_to"):
            entries = entries.filter(written_on__lte=data["date_to"])
        return entries
