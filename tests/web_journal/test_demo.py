"""The demo practice shows a journal (one entry shared with the supervisor) and self-care."""

from __future__ import annotations

from alliance.web.journal.demo import load_demo_journal
from alliance.web.journal.models import JournalEntry, SelfCareCheckIn
from alliance.web.practice.demo import load_demo_practice


def test_demo_journal(db):
    organisation = load_demo_practice()
    counts = load_demo_journal(organisation)
    assert counts == {"entries": 3, "checkins": 6}
    assert JournalEntry.objects.filter(shared_with__isnull=False).count() == 1
    assert SelfCareCheckIn.objects.count() == 6
