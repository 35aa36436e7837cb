"""The security app's URLs in the permission matrix of `tests/web/test_url_matrix.py`."""

from __future__ import annotations

CLASSES = {
    # One's own second factor: every member of staff; pages that do not apply redirect (302).
    "no_args_all": {
        "two_factor_verify",
        "two_factor",
        "two_factor_enrol",
        "two_factor_recovery_codes",
        "two_factor_disable",
        "two_factor_dismiss",
    },
    # The practice's requirement of a second factor from all staff.
    "admin_only": {"two_factor_practice"},
}
