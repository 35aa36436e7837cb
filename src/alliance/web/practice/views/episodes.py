"""Starting, moving and ending episodes of care."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.forms import add_action_errors
from alliance.web.practice import actions
from alliance.web.practice.access import client_for_user, episode_for_user
from alliance.web.practice.forms import EndEpisodeForm, EpisodeForm, PhaseForm
from alliance.web.practice.vocabulary import words


@login_required
def episode_new(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = client_for_user(request.user, client_id, write=True)
    form = EpisodeForm(
        request.POST or None, initial={"started_on": timezone.localdate()}, kind=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.start_episode(request.user, client, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("client", client_id=client.public_id)
    return render(
        request,
        "practice/episode_form.html",
        {"form": form, "client": client, "words": words(request.user)},
    )


@login_required
def episode_phase(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    initial = {"to_phase": episode.next_phase or episode.phase, "changed_on": timezone.localdate()}
    form = PhaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.move_to_phase(
                request.user,
                episode,
                data["to_phase"],
                changed_on=data["changed_on"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("client", client_id=episode.client.public_id)
    return render(request, "practice/episode_phase.html", {"form": form, "episode": episode})


@login_required
def episode_end(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    form = EndEpisodeForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.end_episode(
                request.user,
                episode,
                **{
                    "ended_on": form.cleaned_data["ended_on"],
                    "ending_type": form.cleaned_data["ending_type"],
                },
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("client", client_id=episode.client.public_id)
    return render(request, "practice/episode_end.html", {"form": form, "episode": episode})
