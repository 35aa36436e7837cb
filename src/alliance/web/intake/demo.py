"""Demo content for the public practice pages and one intake request (synthetic)."""

from __future__ import annotations

from django.db import transaction

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.intake import actions
from alliance.web.intake.models import PracticePage

PRACTICE = {
    "headline": "Riverside Counselling & Coaching",
    "about": (
        "We are a small practice of a therapist, a counsellor and a career coach, working "
        "from a quiet house by the river and online.\n\n"
        "Whatever brings you here, the first conversation is about you: what you hope "
        "for, and whether we are the right people to help."
    ),
    "approach": (
        "We work **with** you, not on you. Together we agree what to work on and how, and "
        "every few sessions we ask how our work together feels — so that we can change "
        "course early if something is not right."
    ),
    "services": "therapy,counselling,career-coaching,personal-development",
    "languages": "English, Deutsch",
    "formats": "in_person,video,phone",
    "fees": (
        "Individual sessions of 50 minutes: £70. A limited number of reduced-fee places "
        "are available — just ask.\n\nThe first 20-minute call is free."
    ),
}

MEMBERS = {
    "therapist": {
        "headline": "Alex Morgan — psychotherapist",
        "about": "I have worked as a therapist for twelve years, mostly with adults "
        "facing low mood, anxiety and times of change.",
        "approach": "Integrative and relational: we pay attention to what happens between "
        "us as well as to what brings you.",
        "services": "therapy",
        "languages": "English",
        "formats": "in_person,video",
    },
    "counsellor": {
        "headline": "Priya Shah — counsellor",
        "about": "I offer a calm, unhurried space to talk things through.",
        "approach": "Person-centred, with practical tools when they help.",
        "services": "counselling",
        "languages": "English",
        "formats": "in_person,video,phone",
    },
    "coach": {
        "headline": "Jonas Weber — career and personal development coach",
        "about": "Before coaching I spent ten years in engineering teams. I help people find "
        "work that fits — and the courage to move towards it.",
        "approach": "Solution-focused coaching: clear goals, small experiments between "
        "sessions, and an honest look at what is working.",
        "services": "career-coaching,personal-development",
        "languages": "English, Deutsch",
        "formats": "video,in_person",
        "fees": "Coaching sessions of 60 minutes: £85. Packages of six sessions on request.",
    },
}


def load_demo_pages(organisation: Organisation) -> dict[str, int]:
    """Publish the practice's page and its members' pages; add one intake request."""
    staff = {u.username: u for u in User.objects.filter(organisation=organisation)}
    admin = next((u for u in staff.values() if u.role == Role.ADMIN), None)
    with transaction.atomic():
        if admin is not None:
            page = PracticePage.objects.filter(organisation=organisation, member=None).first()
            page = page or PracticePage(organisation=organisation, member=None)
            actions.update_page(admin, page, published=True, **PRACTICE)
        pages = {}
        for username, fields in MEMBERS.items():
            member = staff.get(username)
            if member is None:
                continue
            page = PracticePage.objects.filter(organisation=organisation, member=member).first()
            page = page or PracticePage(organisation=organisation, member=member)
            pages[username] = actions.update_page(member, page, published=True, **fields)

        intake = 0
        if "coach" in pages:
            actions.submit_intake(
                pages["coach"],
                name="Sam Rivera",
                contact="sam.rivera@example.org",
                help_with="I have been in the same job for eight years and feel stuck. "
                "I would like to work out what to do next.",
                preferred_times="Weekday evenings",
                preferred_format="video",
                language="en",
                service="career-coaching",
                consent_to_contact=True,
            )
            intake = 1
    return {"pages": len(pages) + (1 if admin else 0), "intake_requests": intake}
