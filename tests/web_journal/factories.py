"""Small factories for the journal app's records, built through its action functions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from alliance.web.journal import actions


def make_entry(author, text="a private reflection", *, tags=(), session=None, days_ago=0):
    return actions.write_entry(
        author,
        text=text,
        written_on=timezone.localdate() - dt.timedelta(days=days_ago),
        tags=tags,
        session=session,
    )
