"""Goals, tasks, prep and the client portal in the permission matrix (tests/web/test_url_matrix.py)."""

from __future__ import annotations

CLASSES = {
    # Only the treating practitioner writes goals, tasks, decisions, rituals and portal links.
    "write": {
        "goal_new",
        "goal_edit",
        "goal_rate",
        "task_new",
        "decision_new",
        "ritual_choose",
        "portal_manage",
    },
    # The prep screen reads like the session page; clinical text only for those who may read it.
    "read": {"session_prep", "episode_prep"},
    "post_only": {"task_status", "portal_revoke", "client_note_seen"},
    # The portal: the link's token plus a PIN is the credential; no account is involved.
    "token": {"portal", "portal_logout"},
}

_SECRET = {"own": "owner-note-secret", "colleague": "colleague-note-secret"}


def url_arguments(world, kind) -> dict:
    """Return a goal, task, portal link, client note and portal token of the kind's client."""
    cache = world.extras.setdefault("collaboration", {})
    if kind in cache:
        return cache[kind]
    from alliance.web.collaboration import actions

    client, episode = {
        "own": (world.client, world.episode),
        "colleague": (world.colleague_client, world.colleague_episode),
        "foreign": (world.foreign_client, world.foreign_episode),
    }[kind]
    secret = _SECRET.get(kind, "foreign-note-secret")
    practitioner = episode.practitioner
    goal = actions.add_goal(practitioner, episode, title=f"Goal {secret}", level_0="expected")
    task = actions.add_task(practitioner, episode, what=f"Task {secret}")
    access, token, _pin = actions.create_portal_access(practitioner, client)
    note = actions.leave_client_note(access, f"Note {secret}")
    cache[kind] = {
        "goal_id": goal.public_id,
        "task_id": task.public_id,
        "portal_id": access.public_id,
        "note_id": note.public_id,
        "portal_token": token,
    }
    return cache[kind]
