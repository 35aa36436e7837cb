"""Who may see or change which goal, task, portal link or client note: the one place that decides.

Access follows the episode or client (`alliance.web.practice.access`); writes need the
treating practitioner. Anyone else gets 404, so existence does not leak.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from alliance.web.accounts.models import User
from alliance.web.collaboration.models import ClientNote, Goal, PortalAccess, Task
from alliance.web.practice.access import can_write_clinical, clients_for_user, episodes_for_user


def goal_for_user(user: User, public_id, *, write: bool = False) -> Goal:
    """Return the goal with `public_id` if `user` may see it (or change it, with write)."""
    try:
        goal = (
            Goal.objects.filter(episode__in=episodes_for_user(user))
            .select_related("episode", "episode__client")
            .get(public_id=public_id)
        )
    except (Goal.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such goal") from exc
    if write and not can_write_clinical(user, goal.episode.client):
        raise Http404("No such goal")
    return goal


def task_for_user(user: User, public_id, *, write: bool = False) -> Task:
    """Return the task with `public_id` if `user` may see it (or change it, with write)."""
    try:
        task = (
            Task.objects.filter(episode__in=episodes_for_user(user))
            .select_related("episode", "episode__client")
            .get(public_id=public_id)
        )
    except (Task.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such task") from exc
    if write and not can_write_clinical(user, task.episode.client):
        raise Http404("No such task")
    return task


def portal_access_for_user(user: User, public_id, *, write: bool = False) -> PortalAccess:
    """Return the portal link with `public_id` if `user` may see it (or revoke it, with write)."""
    try:
        access = (
            PortalAccess.objects.filter(client__in=clients_for_user(user))
            .select_related("client")
            .get(public_id=public_id)
        )
    except (PortalAccess.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such portal link") from exc
    if write and not can_write_clinical(user, access.client):
        raise Http404("No such portal link")
    return access


def client_note_for_user(user: User, public_id, *, write: bool = False) -> ClientNote:
    """Return the client's note with `public_id` if `user` may see it (or mark it, with write)."""
    try:
        note = (
            ClientNote.objects.filter(client__in=clients_for_user(user))
            .select_related("client")
            .get(public_id=public_id)
        )
    except (ClientNote.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such note") from exc
    if write and not can_write_clinical(user, note.client):
        raise Http404("No such note")
    return note
