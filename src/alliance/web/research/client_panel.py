"""What the client page shows of research consent."""


def research_consent_panel(user, client) -> dict:
    """Return extra template context for the client page."""
    return {}
