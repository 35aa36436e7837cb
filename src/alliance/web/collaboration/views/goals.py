"""Writing goals with the client, rating them, agreeing tasks, logging decisions, rituals."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.collaboration import actions
from alliance.web.collaboration.access import goal_for_user, task_for_user
from alliance.web.collaboration.forms import (
    DecisionForm,
    GoalForm,
    GoalRatingForm,
    RitualForm,
    TaskForm,
)
from alliance.web.collaboration.models import GoalStatus, RitualChoice
from alliance.web.forms import add_action_errors
from alliance.web.practice.access import episode_for_user
from alliance.web.practice.models import Episode


def _back(episode: Episode) -> HttpResponse:
    return redirect(f"/clients/{episode.client.public_id}/#collab-{episode.public_id}")


def _form_page(
    request: HttpRequest,
    episode: Episode,
    form: forms.BaseForm,
    title: str,
    submit: str,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "collaboration/form.html",
        {
            "episode": episode,
            "client": episode.client,
            "form": form,
            "title": title,
            "submit": submit,
            **extra,
        },
    )


@login_required
def goal_new(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    form = GoalForm(request.POST or None, initial={"status": GoalStatus.AGREED})
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_goal(request.user, episode, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(episode)
    return _form_page(request, episode, form, _("Write a goal together"), _("Save goal"), gas=True)


@login_required
def goal_edit(request: AuthenticatedRequest, goal_id: UUID) -> HttpResponse:
    goal = goal_for_user(request.user, goal_id, write=True)
    form = GoalForm(request.POST or None, instance=goal)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_goal(request.user, goal, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(goal.episode)
    return _form_page(request, goal.episode, form, _("Edit goal"), _("Save goal"), gas=True)


@login_required
def goal_rate(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    goals = [g for g in episode.goals.all() if g.counts_for_gas]
    sessions = list(episode.sessions.order_by("number"))
    form = GoalRatingForm(request.POST or None, goals=goals, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            actions.rate_goals(
                request.user,
                episode,
                form.levels(),
                session=form.chosen_session(),
                rated_by=form.cleaned_data["rated_by"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(episode)
    return _form_page(
        request,
        episode,
        form,
        _("Rate goal attainment"),
        _("Save ratings"),
        goals=goals,
        empty=_("No agreed goal to rate yet.") if not goals else "",
    )


@login_required
def task_new(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_task(request.user, episode, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(episode)
    return _form_page(request, episode, form, _("Agree a task"), _("Save task"))


@login_required
@require_POST
def task_status(request: AuthenticatedRequest, task_id: UUID) -> HttpResponse:
    task = task_for_user(request.user, task_id, write=True)
    status = request.POST.get("status", "")
    try:
        actions.set_task_status(request.user, task, status)
    except ValidationError as exc:
        raise Http404("Unknown status") from exc
    return _back(task.episode)


@login_required
def decision_new(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.log_decision(request.user, episode, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(episode)
    return _form_page(request, episode, form, _("Log a shared decision"), _("Save decision"))


@login_required
def ritual_choose(request: AuthenticatedRequest, episode_id: UUID) -> HttpResponse:
    episode = episode_for_user(request.user, episode_id, write=True)
    current = {c.kind: c.ritual_id for c in RitualChoice.objects.filter(episode=episode)}
    form = RitualForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            for kind in ("opening", "closing"):
                actions.choose_ritual(
                    request.user, episode, kind=kind, ritual_id=form.cleaned_data[kind]
                )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return _back(episode)
    return _form_page(request, episode, form, _("Session rituals"), _("Save rituals"))
