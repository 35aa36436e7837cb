from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from alliance.web.practice.models import Episode


class InsightsConfig(AppConfig):
    name = "alliance.web.insights"
    label = "insights"
    verbose_name = "Alliance monitoring"

    def ready(self) -> None:
        from alliance.web.insights import services, tasks
        from alliance.web.measures.listeners import Monitoring, register_monitoring

        register_monitoring(
            Monitoring(
                refresh_episode=services.refresh_episode,
                refresh_episode_soon=tasks.refresh_episode_soon,
                monitor_organisation=services.monitor_organisation,
            )
        )
        from alliance.web.transcripts.signals import rupture_moments_changed

        rupture_moments_changed.connect(
            _refresh_after_transcript, dispatch_uid="insights-transcript-moments"
        )


def _refresh_after_transcript(sender: Any, episode: Episode, **kwargs: Any) -> None:
    """A confirmed (or withdrawn) transcript rupture moment updates the client's signals now."""
    # Imported when called: apps.py is loaded before the models that tasks.py needs.
    from alliance.web.insights.tasks import refresh_client_signals

    refresh_client_signals(episode)
