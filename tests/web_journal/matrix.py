"""The journal app's URLs in the permission matrix of `tests/web/test_url_matrix.py`."""

from __future__ import annotations

CLASSES = {
    # Anyone, signed in or not: the published practice pages and the thank-you.
    "public": {"practice_page", "practitioner_page", "intake_sent"},
    # Every member of staff keeps their own private journal (empty unless they write).
    "no_args_all": {"journal", "journal_new"},
    # A journal entry: its author only (the matrix's entry is unshared, so the supervisor
    # and the admin get 404 like everyone else).
    "write": {"journal_entry", "journal_edit"},
    # Sharing an entry, accepting or declining an intake request: POST only.
    "post_only": {"journal_share", "intake_accept", "intake_decline"},
    # The self-care check-in and one's own public page: the practitioner themself.
    "practitioner_only": {"self_care", "self_care_check_in", "practice_page_edit"},
    # The practice's own public page.
    "admin_only": {"practice_page_edit_organisation"},
    # The intake queue: practitioners and admins see requests; a supervisor's queue is empty.
    "admin_and_practitioner": {"intake_queue"},
}


def url_arguments(world, kind) -> dict:
    """An unshared entry, a request to the practitioner and published pages, per kind."""
    from tests.web_journal.factories import make_entry, make_intake, make_page

    extras = world.extras[kind]
    if "journal" not in extras:
        author, session = {
            "own": (world.owner, world.session),
            "colleague": (world.colleague, world.colleague_session),
            "foreign": (world.outsider, world.foreign_session),
        }[kind]
        organisation = author.organisation
        make_page(organisation, photo=True)
        page = make_page(organisation, author, photo=True)
        extras["journal"] = {
            "entry": make_entry(author, f"journal-secret-{kind}", session=session),
            "intake": make_intake(page),
            "page": page,
            "member": author.username,
            "org_slug": organisation.slug,
        }
    journal = extras["journal"]
    return {
        "entry_id": journal["entry"].public_id,
        "intake_id": journal["intake"].public_id,
        "member": journal["member"],
        "org_slug": journal["org_slug"],
    }
