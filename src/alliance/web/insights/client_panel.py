"""What the client page shows of alliance monitoring (charts, signals)."""


def client_insights(user, client, episodes) -> dict:
    """Return extra template context for the client page."""
    return {}
