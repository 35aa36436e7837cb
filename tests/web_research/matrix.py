"""The research pages in the permission matrix of `tests/web/test_url_matrix.py`."""

CLASSES = {
    # researchers only (admins too, when the organisation allows it; off by default)
    "researcher_only": {"research", "research_export", "research_report", "research_fit"},
    # recording or withdrawing research consent: the treating practitioner, by POST only
    "post_only": {"research_consent"},
}


def url_arguments(world, kind) -> dict:
    """The research URLs take only `client_id`, which the matrix already knows."""
    return {}
