"""The intake app's URLs in the permission matrix of `tests/web/test_url_matrix.py`."""

from __future__ import annotations

CLASSES = {
    # Anyone, signed in or not: the published practice pages and the thank-you.
    "public": {"practice_page", "practitioner_page", "intake_sent"},
    # Accepting or declining an intake request: POST only.
    "post_only": {"intake_accept", "intake_decline"},
    # One's own public page: the practitioner themself.
    "practitioner_only": {"practice_page_edit"},
    # The practice's own public page.
    "admin_only": {"practice_page_edit_organisation"},
    # The intake queue: practitioners and admins see requests; a supervisor's queue is empty.
    "admin_and_practitioner": {"intake_queue"},
}


def url_arguments(world, kind) -> dict:
    """A request to the practitioner and published pages (with photos), per kind."""
    from tests.web_intake.factories import make_intake, make_page

    extras = world.extras[kind]
    if "intake" not in extras:
        member = {"own": world.owner, "colleague": world.colleague, "foreign": world.outsider}[kind]
        organisation = member.organisation
        make_page(organisation, photo=True)
        page = make_page(organisation, member, photo=True)
        extras["intake"] = {
            "intake": make_intake(page),
            "member": member.username,
            "org_slug": organisation.slug,
        }
    intake = extras["intake"]
    return {
        "intake_id": intake["intake"].public_id,
        "member": intake["member"],
        "org_slug": intake["org_slug"],
    }
