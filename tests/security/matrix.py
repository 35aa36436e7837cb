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
    # The password link an admin sends: the link's token is the credential.
    "token": {"password_reset_confirm"},
    "public": {"password_reset_complete"},
}


def url_arguments(world, kind) -> dict:
    """A reset link for the persona's colleague (an invalid one for a foreign record)."""
    from alliance.web.accounts.passwords import reset_url

    user = {"own": world.owner, "colleague": world.colleague, "foreign": world.outsider}[kind]
    _, uidb64, token, _ = reset_url(user).rsplit("/", 3)
    return {"uidb64": uidb64, "token": token}
