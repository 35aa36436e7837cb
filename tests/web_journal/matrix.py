"""The journal app's URLs in the permission matrix of `tests/web/test_url_matrix.py`."""

from __future__ import annotations

CLASSES = {
    # Every member of staff keeps their own private journal (empty unless they write).
    "no_args_all": {"journal", "journal_new"},
    # A journal entry: its author only (the matrix's entry is unshared, so the supervisor
    # and the admin get 404 like everyone else).
    "write": {"journal_entry", "journal_edit"},
    # Sharing an entry: POST only.
    "post_only": {"journal_share"},
    # The self-care check-in: the practitioner themself.
    "practitioner_only": {"self_care", "self_care_check_in"},
}


def url_arguments(world, kind) -> dict:
    """An unshared entry, per kind."""
    from tests.web_journal.factories import make_entry

    extras = world.extras[kind]
    if "journal" not in extras:
        author, session = {
            "own": (world.owner, world.session),
            "colleague": (world.colleague, world.colleague_session),
            "foreign": (world.outsider, world.foreign_session),
        }[kind]
        extras["journal"] = {
            "entry": make_entry(author, f"journal-secret-{kind}", session=session),
        }
    return {"entry_id": extras["journal"]["entry"].public_id}
