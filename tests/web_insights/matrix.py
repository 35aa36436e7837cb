"""The alert inbox's URLs in the permission matrix (tests/web/test_url_matrix.py)."""

from __future__ import annotations

CLASSES = {
    # Practitioners and supervisors see their alerts; admins get the page without alerts.
    "caseload": {"inbox"},
    # Only the treating practitioner acts on an alert; GET is refused for everyone.
    "post_only": {"alert_acknowledge", "alert_snooze", "alert_resolve"},
}


def url_arguments(world, kind) -> dict:
    """Return an alert on the own, colleague's or foreign episode."""
    from alliance.web.insights.models import Alert

    episode = {
        "own": world.episode,
        "colleague": world.colleague_episode,
        "foreign": world.foreign_episode,
    }[kind]
    alert, _ = Alert.objects.get_or_create(
        organisation=episode.organisation,
        key=f"rupture:{episode.public_id}:s1",
        defaults={
            "episode": episode,
            "type": "rupture",
            "session_number": 1,
            "severity": "high",
            "method": "self_report",
            "evidence": {"bother": 4},
        },
    )
    return {"alert_id": alert.public_id}
