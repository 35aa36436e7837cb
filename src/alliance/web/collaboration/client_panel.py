"""What the client page shows of goals, tasks and the portal."""


def collaboration_panel(user, client, episodes) -> dict:
    """Return extra template context for the client page."""
    return {}
