"""The demo practice shows its public pages and one intake request."""

from __future__ import annotations

from django.urls import reverse

from alliance.web.intake.demo import load_demo_pages
from alliance.web.intake.models import IntakeRequest
from alliance.web.practice.demo import load_demo_practice


def test_demo_pages_and_intake(db, client):
    organisation = load_demo_practice()
    counts = load_demo_pages(organisation)
    assert counts == {"pages": 4, "intake_requests": 1}
    assert IntakeRequest.objects.get().practitioner.username == "coach"
    page = client.get(reverse("practice_page", args=[organisation.slug])).content.decode()
    assert "Jonas Weber" in page
    coach = client.get(reverse("practitioner_page", args=[organisation.slug, "coach"]))
    assert coach.status_code == 200
