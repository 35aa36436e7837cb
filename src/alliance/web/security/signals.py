"""Sign-in hooks: note when the session began and what the user owes as a second factor, and
audit the sign-in as what it is so far."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditAction
from alliance.web.security import policy
from alliance.web.security.middleware import SESSION_STARTED, SESSION_TOUCHED


@receiver(user_logged_in, dispatch_uid="alliance_security_signed_in")
def remember_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        state = policy.compute_state(user)
    else:
        now = int(time.time())
        session[SESSION_STARTED] = now
        session[SESSION_TOUCHED] = now
        state = policy.remember_state(session, user)
    if state == policy.ENROLLED:
        # Not signed in yet: the code from the app is still owed (security.actions audits it).
        record(user, AuditAction.PASSWORD, user, summary="password accepted; second step owed")
    else:
        record(user, AuditAction.LOGIN, user, summary="logged in")
