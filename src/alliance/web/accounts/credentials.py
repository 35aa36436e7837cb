"""Credential changes: each one is audited and announced to its owner by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from alliance.web.audit.log import record
from alliance.web.audit.models import AuditAction

ANNOUNCEMENT = """Hello {name},

A credential of your Alliance account ({username}) changed: {what}{by}.

If this was you, there is nothing to do. If it was not, tell your clinic admin at once and
ask them to send you a password reset link.
"""


def credential_changed(
    user, what: str, *, actor=None, obj=None, also_to: str = "", announce: bool = True
) -> None:
    """Audit that `what` happened to `user`'s credentials and e-mail `user` after commit.

    `what` is a short lower-case phrase such as "password changed"; `actor` is who did it
    (None: the user themselves, or the operator at the command line). `also_to` is another
    address to tell (the old one, when the e-mail address itself changed); `announce` False
    only audits (a first address, where nobody but whoever typed it would be told).
    """
    by = ""
    if actor is not None and actor.pk != user.pk:
        by = f" by {actor.get_username()}"
    record(
        actor if actor is not None else user,
        AuditAction.CREDENTIAL,
        obj if obj is not None else user,
        summary=f"{what}{by}",
        organisation=user.organisation,
    )
    recipients = [address for address in dict.fromkeys([user.email, also_to]) if address]
    if not announce or not recipients:
        return
    body = ANNOUNCEMENT.format(
        name=user.get_full_name() or user.get_username(),
        what=what,
        username=user.get_username(),
        by=by,
    )
    transaction.on_commit(
        lambda: send_mail(
            f"Alliance: {what}{by}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            fail_silently=True,
        )
    )
