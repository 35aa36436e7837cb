"""Demo content for the practitioner's own side: reflections and self-care (synthetic)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from alliance.web.accounts.models import Organisation, User
from alliance.web.journal import actions
from alliance.web.practice.models import Session

REFLECTIONS = [
    (
        ["countertransference", "strong-reaction"],
        "Noticed I was rushing to reassure today. It reminded me of my own worry about my "
        "brother. Next time: slow down, stay with the uncertainty a little longer.",
    ),
    (
        ["rupture", "learning"],
        "Tension when homework came up. I named it, asked how it felt to be asked — and "
        "we ended on firmer ground. Worth bringing to supervision.",
    ),
    (["self-care"], "A heavy week. Protected Friday afternoon for a walk; it helped."),
]

WHO5_WEEKS = [4, 4, 3, 4, 3, 3]  # the same answer on all five items, oldest week first


def load_demo_journal(
    organisation: Organisation, *, today: dt.date | None = None
) -> dict[str, int]:
    """Add the therapist's reflections (one shared with their supervisor) and check-ins."""
    today = today or timezone.localdate()
    therapist = User.objects.filter(organisation=organisation, username="therapist").first()
    entries = 0
    checkins = 0
    with transaction.atomic():
        if therapist is not None:
            sessions = list(
                Session.objects.filter(episode__practitioner=therapist).order_by("-starts_at")[:2]
            )
            for index, (tags, text) in enumerate(REFLECTIONS):
                entry = actions.write_entry(
                    therapist,
                    text=text,
                    written_on=today - dt.timedelta(days=3 + 5 * index),
                    tags=tags,
                    session=sessions[index] if index < len(sessions) else None,
                )
                entries += 1
                if index == 1 and therapist.supervisor_id:
                    actions.share_entry(therapist, entry)
            for weeks_ago, value in enumerate(reversed(WHO5_WEEKS)):
                actions.record_checkin(
                    therapist,
                    {str(i): value for i in range(1, 6)},
                    day=today - dt.timedelta(weeks=weeks_ago),
                )
                checkins += 1
    return {"entries": entries, "checkins": checkins}
