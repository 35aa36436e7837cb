"""Background monitoring: an episode's alerts refreshed by `alliance worker` after a check."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_tasks import task

from alliance.web.insights.services import refresh_episode
from alliance.web.practice.models import Episode


@task()
def refresh_episode_alerts(episode_id: int) -> int:
    """Refresh one episode's alerts; returns how many alerts were created."""

    episode = Episode.objects.select_related("organisation").filter(pk=episode_id).first()
    if episode is None:  # erased since the check was answered
        return 0
    return refresh_episode(episode).created


def refresh_episode_soon(episode: Episode) -> None:
    """Refresh an episode's alerts after this transaction: by the worker, or here and now.

    With ALLIANCE_MONITOR_IN_BACKGROUND (the default) the client's submission does not wait
    for the monitoring rules (about three quarters of its time); `alliance worker` runs them
    within a second or so, and the nightly `alliance monitor --all` catches anything missed.
    """

    if not settings.ALLIANCE_MONITOR_IN_BACKGROUND:
        refresh_episode(episode)
        return
    episode_id = episode.pk
    transaction.on_commit(lambda: refresh_episode_alerts.enqueue(episode_id))


def refresh_client_signals(episode: Episode) -> None:
    """Refresh one client's episode signals now (the hook other features call after a write
    that changes what monitoring sees, e.g. measures' recording action after commit)."""

    refresh_episode(episode)
