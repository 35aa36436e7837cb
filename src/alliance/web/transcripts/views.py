"""Transcript pages: consent, upload, the transcript, role correction, decisions, delete.

Each view fetches through `access`, validates with a form, calls one action, renders.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.audit.log import record
from alliance.web.forms import add_action_errors
from alliance.web.practice.access import client_for_user, session_for_user
from alliance.web.transcripts import actions
from alliance.web.transcripts.access import (
    can_change_transcript,
    can_read_transcript_text,
    transcript_for_user,
)
from alliance.web.transcripts.display import transcript_page
from alliance.web.transcripts.forms import (
    ConsentForm,
    DecisionForm,
    SpeakerRolesForm,
    UploadForm,
)
from alliance.web.transcripts.models import Transcript


@login_required
def consent(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = client_for_user(request.user, client_id, write=True)
    current = actions.active_consent(client)
    form = ConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_transcript_consent(
                request.user, client, given_on=form.cleaned_data["given_on"]
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("Consent to transcript analysis recorded."))
            return redirect("transcript_consent", client_id=client.public_id)
    return render(
        request,
        "transcripts/consent.html",
        {
            "client": client,
            "current": current,
            "history": client.transcript_consents.select_related("recorded_by", "withdrawn_by"),
            "transcript_count": Transcript.objects.filter(session__episode__client=client).count(),
            "form": form,
        },
    )


@login_required
@require_POST
def consent_withdraw(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = client_for_user(request.user, client_id, write=True)
    try:
        actions.withdraw_transcript_consent(request.user, client)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Consent withdrawn; the client's transcripts have been deleted.")
        )
    return redirect("transcript_consent", client_id=client.public_id)


@login_required
def transcript_new(request: AuthenticatedRequest, session_id: UUID) -> HttpResponse:
    session = session_for_user(request.user, session_id, write=True)
    client = session.episode.client
    existing = Transcript.objects.filter(session=session).first()
    try:
        form = UploadForm(request.POST or None, request.FILES or None)
    except RequestDataTooBig:
        # Pasted text beyond Django's request limit never reaches the form's own check.
        form = UploadForm({})
        form.is_valid()
        form.errors.clear()
        form.add_error("text", actions.size_error(int(request.META.get("CONTENT_LENGTH") or 0)))
    if request.method == "POST" and form.is_valid():
        try:
            transcript = actions.upload_transcript(
                request.user, session, form.content(), format=form.cleaned_data["format"]
            )
        except ValidationError as error:
            add_action_errors(form, error, fields={"content": form.source_field})
        else:
            return redirect("transcript", transcript_id=transcript.public_id)
    return render(
        request,
        "transcripts/upload.html",
        {
            "session": session,
            "client": client,
            "consent": actions.active_consent(client),
            "existing": existing,
            "form": form,
        },
    )


@login_required
def transcript_detail(request: AuthenticatedRequest, transcript_id: UUID) -> HttpResponse:
    transcript = transcript_for_user(request.user, transcript_id)
    session = transcript.session
    can_read = can_read_transcript_text(request.user, transcript)
    context = {
        "transcript": transcript,
        "session": session,
        "client": session.episode.client,
        "can_read_text": can_read,
        "can_write": can_change_transcript(request.user, transcript),
    }
    if can_read:
        record(
            request.user,
            "view",
            transcript,
            summary=f"transcript of session {session.number} of {session.episode.client.code}",
        )
        context |= transcript_page(transcript.analysis, transcript.decisions.all())
    return render(request, "transcripts/transcript_detail.html", context)


@login_required
def transcript_roles(request: AuthenticatedRequest, transcript_id: UUID) -> HttpResponse:
    transcript = transcript_for_user(request.user, transcript_id, write=True)
    form = SpeakerRolesForm(request.POST or None, speakers=transcript.analysis.get("speakers", []))
    if request.method == "POST" and form.is_valid():
        try:
            actions.correct_speaker_roles(request.user, transcript, form.mapping())
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("Speaker roles saved; the transcript was analysed again."))
            return redirect("transcript", transcript_id=transcript.public_id)
    return render(
        request,
        "transcripts/roles.html",
        {"transcript": transcript, "session": transcript.session, "form": form},
    )


@login_required
@require_POST
def transcript_decide(request: AuthenticatedRequest, transcript_id: UUID) -> HttpResponse:
    transcript = transcript_for_user(request.user, transcript_id, write=True)
    form = DecisionForm(request.POST)
    anchor = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            verdict = actions.decide_candidate(
                request.user, transcript, data["candidate"], data["decision"], note=data["note"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            anchor = f"#candidate-{data['candidate']}"
            messages.success(request, verdict.get_decision_display())
    else:
        messages.error(request, _("Choose confirm or dismiss for one of the listed moments."))
    return redirect(reverse("transcript", kwargs={"transcript_id": transcript.public_id}) + anchor)


@login_required
def transcript_delete(request: AuthenticatedRequest, transcript_id: UUID) -> HttpResponse:
    transcript = transcript_for_user(request.user, transcript_id, write=True)
    session = transcript.session
    if request.method == "POST":
        actions.delete_transcript(request.user, transcript)
        messages.success(request, _("The transcript was deleted."))
        return redirect("session", session_id=session.public_id)
    return render(
        request,
        "transcripts/delete.html",
        {
            "transcript": transcript,
            "session": session,
            "confirmed": transcript.decisions.filter(decision="confirmed").count(),
        },
    )
