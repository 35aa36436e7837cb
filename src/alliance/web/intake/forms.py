"""Forms of the intake app; each rejects bad input at the field and saves nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from alliance.web.forms import form_field
from alliance.web.intake.models import IntakeRequest, MeetingFormat, ServiceOffered

# The photo is sent inline in the page, so it stays small.
MAX_PHOTO_BYTES = 1024 * 1024
# Raster formats only, recognised by their first bytes (an SVG could carry a script).
PHOTO_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff_image(head: bytes) -> str | None:
    """Return the image type of a PNG, JPEG or WebP file from its first bytes, else None."""
    for signature, content_type in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class PracticePageForm(forms.Form):
    headline = forms.CharField(
        label=_("Name and headline"),
        max_length=160,
        help_text=_("For example: Dana Reyes — counselling and career coaching in Leeds."),
    )
    about = forms.CharField(
        label=_("Who you are"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, lists, [links](https://example.org)."),
    )
    approach = forms.CharField(
        label=_("Your approach"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown."),
    )
    services = forms.MultipleChoiceField(
        label=_("Services"),
        required=False,
        choices=ServiceOffered.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=200,
        help_text=_("For example: English, Deutsch."),
    )
    formats = forms.MultipleChoiceField(
        label=_("Format"),
        required=False,
        choices=MeetingFormat.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    fees = forms.CharField(
        label=_("Fees"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    published = forms.BooleanField(
        label=_("Published (anyone with the address can see the page)"), required=False
    )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 1 MB."))
        data = upload.read()
        content_type = sniff_image(data[:16])
        if content_type is None:
            raise forms.ValidationError(_("The photo must be a PNG, JPEG or WebP image."))
        return data, content_type

    def page_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "headline": data["headline"],
            "about": data["about"],
            "approach": data["approach"],
            "services": ",".join(data["services"]),
            "languages": data["languages"],
            "formats": ",".join(data["formats"]),
            "fees": data["fees"],
            "published": data["published"],
        }

    @classmethod
    def initial_for(cls, page) -> dict:
        return {
            "headline": page.headline,
            "about": page.about,
            "approach": page.approach,
            "services": page.service_list,
            "languages": page.languages,
            "formats": page.format_list,
            "fees": page.fees,
            "published": page.published,
        }


class IntakeForm(forms.ModelForm):
    # A field people never see; bots that fill every field give themselves away.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = IntakeRequest
        fields = [
            "name",
            "contact",
            "help_with",
            "service",
            "preferred_times",
            "preferred_format",
            "language",
            "consent_to_contact",
        ]
        labels = {
            "name": _("Your name"),
            "contact": _("How can we reach you? (e-mail or phone)"),
            "help_with": _("What would you like help with?"),
            "service": _("What are you looking for? (optional)"),
            "preferred_times": _("Times that suit you (optional)"),
            "preferred_format": _("Preferred format (optional)"),
            "language": _("Language"),
            "consent_to_contact": _(
                "I agree to be contacted about this request. It is stored encrypted and "
                "read only by the practice."
            ),
        }
        widgets = {
            "help_with": forms.Textarea(attrs={"rows": 5}),
            "preferred_times": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, page=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_to_contact"].required = True
        self.fields["consent_to_contact"].error_messages["required"] = _(
            "We can only reply if you agree to be contacted."
        )
        self.fields["name"].error_messages["required"] = _("Please tell us your name.")
        self.fields["contact"].error_messages["required"] = _(
            "Please give an e-mail address or a phone number."
        )
        self.fields["help_with"].error_messages["required"] = _("A sentence or two is enough.")
        # The model's encrypted text fields have no length; the form sets one, validator and all.
        for name, limit in (("help_with", 4000), ("preferred_times", 1000)):
            field = form_field(self, name, forms.CharField)
            field.max_length = limit
            field.widget.attrs["maxlength"] = str(limit)
            field.validators.append(
                MaxLengthValidator(
                    limit, message=_("Please keep it under %(limit_value)s characters.")
                )
            )
        form_field(self, "language", forms.ChoiceField).choices = list(settings.LANGUAGES)
        preferred_format = form_field(self, "preferred_format", forms.ChoiceField)
        preferred_format.choices = [("", _("No preference"))] + list(MeetingFormat.choices)
        if page is not None and page.service_list:
            form_field(self, "service", forms.ChoiceField).choices = [("", "—")] + [
                (value, label)
                for value, label in ServiceOffered.choices
                if value in page.service_list
            ]

    def clean_contact(self):
        value = self.cleaned_data["contact"].strip()
        if "@" in value:
            forms.EmailField(
                error_messages={"invalid": _("This e-mail address does not look complete.")}
            ).clean(value)
        elif sum(ch.isdigit() for ch in value) < 6:
            raise forms.ValidationError(
                _("Please give an e-mail address or a phone number we can call.")
            )
        return value

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def intake_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "website"}


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept for the practice's records)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    practitioner = forms.ChoiceField(label=_("Practitioner"), required=False)

    def __init__(self, *args: Any, practitioners=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.practitioners = {str(p.public_id): p for p in practitioners}
        form_field(self, "practitioner", forms.ChoiceField).choices = [
            (key, str(p)) for key, p in self.practitioners.items()
        ]

    def clean_practitioner(self):
        return self.practitioners.get(self.cleaned_data.get("practitioner") or "")
