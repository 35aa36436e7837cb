"""Small factories for the intake app's records, built through its action functions."""

from __future__ import annotations

from alliance.web.intake import actions
from alliance.web.intake.models import IntakeRequest, PracticePage

# The smallest valid PNG (1×1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def make_page(organisation, member=None, *, published=True, photo=False, **fields) -> PracticePage:
    page = PracticePage.objects.filter(organisation=organisation, member=member).first()
    page = page or PracticePage(organisation=organisation, member=member)
    fields.setdefault("headline", f"{member or organisation} — a calm place to talk")
    actions.update_page(
        member or organisation.staff.filter(role="admin").first(),
        page,
        published=published,
        photo=(PNG, "image/png") if photo else None,
        **fields,
    )
    return page


def make_intake(page, **fields) -> IntakeRequest:
    fields.setdefault("name", "Robin Intake")
    fields.setdefault("contact", "robin@example.org")
    fields.setdefault("help_with", "intake-help-secret: finding my direction at work")
    fields.setdefault("consent_to_contact", True)
    return actions.submit_intake(page, **fields)
