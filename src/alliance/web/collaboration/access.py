"""Who may see or change which goal, task, portal link or client note: the one place that decides.

Access follows the episode or client (`alliance.web.practice.access`); writes need the
treating practitioner. Anyone else gets 404, so existence does not leak.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404

from alliance.web.accounts.access import get_or_404
from alliance.web.accounts.models import User
from alliance.web.collaboration.models import ClientNote, Goal, PortalAccess, Task
from alliance.web.practice.access import can_write_clinical, clients_for_user, episodes_for_user


def goal_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Goal:
    """Return the goal with `public_id` if `user` may see it (or change it, with write)."""
    goal = get_or_404(
        Goal.objects.filter(episode__in=episodes_for_user(user)).select_related(
            "episode", "episode__client"
        ),
        "goal",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, goal.episode.client):
        raise Http404("No such goal")
    return goal


def task_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> Task:
    """Return the task with `public_id` if `user` may see it (or change it, with write)."""
    task = get_or_404(
        Task.objects.filter(episode__in=episodes_for_user(user)).select_related(
            "episode", "episode__client"
        ),
        "task",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, task.episode.client):
        raise Http404("No such task")
    return task


def portal_access_for_user(
    user: User, public_id: UUID | str, *, write: bool = False
) -> PortalAccess:
    """Return the portal link with `public_id` if `user` may see it (or revoke it, with write)."""
    access = get_or_404(
        PortalAccess.objects.filter(client__in=clients_for_user(user)).select_related("client"),
        "portal link",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, access.client):
        raise Http404("No such portal link")
    return access


def client_note_for_user(user: User, public_id: UUID | str, *, write: bool = False) -> ClientNote:
    """Return the client's note with `public_id` if `user` may see it (or mark it, with write)."""
    note = get_or_404(
        ClientNote.objects.filter(client__in=clients_for_user(user)).select_related("client"),
        "note",
        public_id=public_id,
    )
    if write and not can_write_clinical(user, note.client):
        raise Http404("No such note")
    return note
