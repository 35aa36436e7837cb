"""Forms for goals, ratings, tasks, decisions, rituals and the portal; bad input fails at the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.web.collaboration.models import (
    GAS_LEVEL_LABELS,
    GAS_LEVELS,
    Goal,
    RitualKind,
)
from alliance.web.collaboration.rituals import ritual_choices
from alliance.web.forms import form_field


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = [
            "title",
            "level_plus_2",
            "level_plus_1",
            "level_0",
            "level_minus_1",
            "level_minus_2",
            "weight",
            "alliance_goal_link",
            "proposed_by",
            "status",
        ]
        labels = {
            "title": _("Goal, in the client's words"),
            "level_plus_2": _("+2 much more than expected"),
            "level_plus_1": _("+1 somewhat more than expected"),
            "level_0": _("0 the expected outcome"),
            "level_minus_1": _("−1 somewhat less than expected"),
            "level_minus_2": _("−2 much less than expected"),
            "weight": _("Importance weight (1–10)"),
            "alliance_goal_link": _("Link to the alliance's goal dimension"),
            "proposed_by": _("Proposed by"),
        }
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "level_plus_2",
                "level_plus_1",
                "level_0",
                "level_minus_1",
                "level_minus_2",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "weight", forms.IntegerField).min_value = 1
        form_field(self, "weight", forms.IntegerField).max_value = 10
        self.fields["weight"].widget.attrs.update({"min": 1, "max": 10})
        self.fields["level_0"].required = True
        self.fields["level_0"].help_text = _("What the expected result looks like, concretely.")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 3:
            raise forms.ValidationError(_("Write the goal in a few words."))
        return title

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is None or not 1 <= weight <= 10:
            raise forms.ValidationError(_("The weight is a whole number from 1 to 10."))
        return weight


LEVEL_CHOICES = [("", "—")] + [(str(n), f"{n:+d} {GAS_LEVEL_LABELS[n]}") for n in GAS_LEVELS]


class GoalRatingForm(forms.Form):
    """One level field per goal, and the session the review took place in."""

    session = forms.ChoiceField(label=_("At session"), required=False)
    rated_by = forms.ChoiceField(
        label=_("Rated by"),
        choices=[("practitioner", _("Practitioner")), ("client", _("Client"))],
        initial="practitioner",
    )

    def __init__(self, *args: Any, goals, sessions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        self.sessions = {str(s.public_id): s for s in sessions}
        form_field(self, "session", forms.ChoiceField).choices = [("", _("no session"))] + [
            (str(s.public_id), _("Session %(n)s") % {"n": s.number}) for s in sessions
        ]
        if sessions:
            self.fields["session"].initial = str(sessions[-1].public_id)
        for goal in self.goals:
            self.fields[f"goal-{goal.public_id}"] = forms.TypedChoiceField(
                label=goal.title,
                choices=LEVEL_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not any(cleaned.get(f"goal-{g.public_id}") is not None for g in self.goals):
            raise forms.ValidationError(_("Rate at least one goal."))
        return cleaned

    def levels(self) -> dict:
        return {
            g: self.cleaned_data[f"goal-{g.public_id}"]
            for g in self.goals
            if self.cleaned_data.get(f"goal-{g.public_id}") is not None
        }

    def chosen_session(self):
        return self.sessions.get(self.cleaned_data.get("session") or "")


class TaskForm(forms.Form):
    what = forms.CharField(
        label=_("What was agreed"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_what(self):
        what = self.cleaned_data["what"].strip()
        if not what:
            raise forms.ValidationError(_("Say what the task is."))
        return what

    def clean_due_on(self):
        due = self.cleaned_data.get("due_on")
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError(_("The date is in the past."))
        return due


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label=_("Decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    agreed_by = forms.CharField(
        label=_("Agreed by"), max_length=200, initial=_("client and practitioner")
    )
    decided_on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return day


class RitualForm(forms.Form):
    opening = forms.ChoiceField(label=_("Opening ritual"), required=False)
    closing = forms.ChoiceField(label=_("Closing ritual"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        opening = form_field(self, "opening", forms.ChoiceField)
        opening.choices = [("", _("none")), *ritual_choices(RitualKind.OPENING)]
        closing = form_field(self, "closing", forms.ChoiceField)
        closing.choices = [("", _("none")), *ritual_choices(RitualKind.CLOSING)]


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("Your PIN"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ClientNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Something I want to bring up next time"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write something first."))
        return text


class ProposeGoalForm(forms.Form):
    title = forms.CharField(label=_("A goal I would like to work on"), max_length=300)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 3:
            raise forms.ValidationError(_("Write the goal in a few words."))
        return title
