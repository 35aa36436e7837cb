"""The client-data pages in the permission matrix of `tests/web/test_url_matrix.py`."""

CLASSES = {
    # Export (everything, free text included) and the erasure confirmation reached from the
    # client page: the treating practitioner only.
    "write": {"client_export", "client_erase"},
    # The admin's data-requests page (finds a client by code, counts only) and the
    # retention rule of the admin's own organisation.
    "admin_only": {"data_requests", "retention_settings"},
}


def url_arguments(world, kind) -> dict:
    """The pages take only `client_id`, which the matrix already knows."""
    return {}
