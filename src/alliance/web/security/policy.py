"""Who must use a second factor, and what this session knows about it.

The state of a session (enrolled / required / optional) is remembered in the session so that
ordinary pages cost no extra query; it is recomputed at sign-in, after every change made through
the security pages, and at most STATE_MAX_AGE seconds after it was last computed, so that a
practice switching the requirement on reaches every open session within a minute.
"""

from __future__ import annotations

import time

from django.contrib.sessions.backends.base import SessionBase
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.web.accounts.models import Role, User

SESSION_STATE = "alliance_two_factor"
SESSION_DISMISSED = "alliance_two_factor_dismissed"
STATE_MAX_AGE = 60

ENROLLED = "enrolled"
REQUIRED = "required"
OPTIONAL = "optional"


def requires_two_factor(user: User) -> bool:
    """Return whether `user` may not use Alliance without a second factor."""
    if user.is_superuser:
        return True
    if user.role == Role.ADMIN:
        return True
    organisation = user.organisation
    return bool(organisation is not None and organisation.two_factor_for_all_staff)


def totp_device(
    user: User, *, confirmed: bool = True, for_update: bool = False
) -> TOTPDevice | None:
    """Return the user's authenticator-app device (confirmed or pending), if any.

    `for_update` locks the row (inside a transaction) so that one code cannot be used twice
    by two requests at once.
    """
    devices = TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id")
    return (devices.select_for_update() if for_update else devices).first()


def recovery_device(user: User, *, for_update: bool = False) -> StaticDevice | None:
    """Return the user's device holding recovery codes, if any."""
    devices = StaticDevice.objects.filter(user=user, confirmed=True).order_by("-id")
    return (devices.select_for_update() if for_update else devices).first()


def is_enrolled(user: User) -> bool:
    """Return whether `user` has a confirmed authenticator app."""
    enrolled: bool = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return enrolled


def compute_state(user: User) -> str:
    """Return ENROLLED, REQUIRED (not enrolled but must be) or OPTIONAL."""
    if is_enrolled(user):
        return ENROLLED
    return REQUIRED if requires_two_factor(user) else OPTIONAL


def remember_state(session: SessionBase, user: User) -> str:
    """Compute the user's state now and keep it in `session`."""
    state = compute_state(user)
    session[SESSION_STATE] = {"state": state, "at": int(time.time())}
    return state


def session_state(session: SessionBase, user: User) -> str:
    """Return the state kept in `session`, recomputing it when missing or stale."""
    kept = session.get(SESSION_STATE)
    if isinstance(kept, dict) and time.time() - kept.get("at", 0) < STATE_MAX_AGE:
        state: str = kept.get("state", OPTIONAL)
        return state
    return remember_state(session, user)
