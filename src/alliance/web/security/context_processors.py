"""Template context of the security app: the gentle nudge towards a second factor."""

from __future__ import annotations

from alliance.web.security import policy

# The pages where a user lands after signing in.
HOME_PAGES = {"home", "caseload"}


def two_factor(request) -> dict:
    """Offer enrolment on the home page to a signed-in user without a second factor."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or match.url_name not in HOME_PAGES:
        return {}
    if user is None or not user.is_authenticated:
        return {}
    if request.session.get(policy.SESSION_DISMISSED):
        return {}
    state = policy.session_state(request.session, user)
    return {"two_factor_nudge": state == policy.OPTIONAL}
