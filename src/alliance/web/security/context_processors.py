"""Template context of the security app: the gentle nudge towards a second factor, and
whether the signed-in user still owes their second step (then base.html shows no menu)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from alliance.web.accounts.models import User
from alliance.web.security import policy

# The pages where a user lands after signing in.
HOME_PAGES = {"home", "caseload"}


def owes_second_factor(state: str, user: User) -> bool:
    """True while the user must still enter a code, or must first enrol a device."""
    if state == policy.REQUIRED:
        return True
    return state == policy.ENROLLED and not getattr(user, "is_verified", lambda: False)()


def two_factor(request: HttpRequest) -> dict[str, Any]:
    """Say whether the second step is pending; offer enrolment on the home page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    state = policy.session_state(request.session, user)
    context = {"second_factor_pending": owes_second_factor(state, user)}
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in HOME_PAGES:
        return context
    if request.session.get(policy.SESSION_DISMISSED):
        return context
    context["two_factor_nudge"] = state == policy.OPTIONAL
    return context
