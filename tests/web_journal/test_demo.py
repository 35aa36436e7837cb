"""The demo practice shows the practice pages, a journal, self-care and an intake request."""

from __future__ import annotations

from django.urls import reverse

from alliance.web.journal.demo import load_demo_journal
from alliance.web.journal.models import IntakeRequest, JournalEntry, SelfCareCheckIn
from alliance.web.practice.demo import load_demo_practice


def test_demo_journal_and_pages(db, client):
    organisation = load_demo_practice()
    counts = load_demo_journal(organisation)
    assert counts == {"pages": 4, "entries": 3, "checkins": 6, "intake_requests": 1}
    assert JournalEntry.objects.filter(shared_with__isnull=False).count() == 1
    assert SelfCareCheckIn.objects.count() == 6
    assert IntakeRequest.objects.get().practitioner.username == "coach"
    page = client.get(reverse("practice_page", args=[organisation.slug])).content.decode()
    assert "Jonas Weber" in page
    coach = client.get(reverse("practitioner_page", args=[organisation.slug, "coach"]))
    assert coach.status_code == 200
