"""Forms for transcripts; each rejects bad input at the field and saves nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.web.practice.forms import ConsentGivenForm
from alliance.web.transcripts.actions import size_error
from alliance.web.transcripts.models import (
    MAX_TRANSCRIPT_BYTES,
    Decision,
    SpeakerRole,
    TranscriptFormat,
)


class ConsentForm(ConsentGivenForm):
    confirm = forms.BooleanField(
        label=_("The client has agreed that their session transcripts may be analysed here"),
        error_messages={"required": _("Tick the box to confirm the client's consent.")},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False,
        label=_("Transcript file"),
        help_text=_(
            "UTF-8 text, at most 2 MB: Dresing & Pehl, WebVTT (.vtt), SRT (.srt), "
            "CSV or plain text with speaker labels."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.vtt,.srt,.csv,text/*"}),
    )
    text = forms.CharField(
        required=False,
        label=_("…or paste the transcript"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    format = forms.ChoiceField(
        required=False,
        label=_("Format"),
        choices=[("", _("Detect automatically")), *TranscriptFormat.choices],
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_TRANSCRIPT_BYTES:
            raise forms.ValidationError(size_error(upload.size))
        return upload

    def clean_text(self):
        text = self.cleaned_data.get("text") or ""
        if len(text.encode("utf-8")) > MAX_TRANSCRIPT_BYTES:
            raise forms.ValidationError(size_error(len(text.encode("utf-8"))))
        return text

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        has_file = bool(data.get("file"))
        has_text = bool((data.get("text") or "").strip())
        if has_file and has_text:
            raise forms.ValidationError(_("Choose a file or paste the text, not both."))
        if not has_file and not has_text:
            self.add_error("file", _("Choose a transcript file or paste the transcript."))
        return data

    @property
    def source_field(self) -> str:
        """The field the transcript came from, for putting the parser's error beside it."""
        return "file" if self.cleaned_data.get("file") else "text"

    def content(self) -> str | bytes:
        if self.cleaned_data.get("file"):
            read: bytes = self.cleaned_data["file"].read()
            return read
        text: str = self.cleaned_data["text"]
        return text


class SpeakerRolesForm(forms.Form):
    """One role choice per speaker label of the transcript."""

    def __init__(self, *args: Any, speakers: list[dict], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels: dict[str, str] = {}
        for n, speaker in enumerate(speakers):
            name = f"speaker_{n}"
            self.labels[name] = speaker["speaker"]
            help_text = _("guessed — please check") if speaker.get("guessed") else ""
            self.fields[name] = forms.ChoiceField(
                label=speaker["speaker"],
                choices=SpeakerRole.choices,
                initial=speaker["role"],
                help_text=help_text,
            )

    def mapping(self) -> dict[str, str]:
        return {label: self.cleaned_data[name] for name, label in self.labels.items()}


class DecisionForm(forms.Form):
    candidate = forms.IntegerField(min_value=0)
    decision = forms.ChoiceField(choices=Decision.choices)
    note = forms.CharField(required=False, max_length=500)
