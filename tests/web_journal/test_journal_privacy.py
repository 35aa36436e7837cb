"""The reflection journal is its author's alone; a supervisor reads only what is shared."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from alliance.web.journal import actions
from alliance.web.journal.access import entry_for_user, journal_marker
from alliance.web.journal.models import JournalEntry
from tests.web_journal.factories import make_entry

SECRET = "I felt irritated by how the session went (journal-secret)"


@pytest.fixture
def entry(world):
    return make_entry(world.owner, SECRET, tags=["countertransference"], session=world.session)


def test_text_is_not_in_the_raw_table(entry):
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM journal_journalentry WHERE id = %s", [entry.pk])
        (raw,) = cursor.fetchone()
    assert "irritated" not in raw
    assert raw.startswith("enc1:")
    assert JournalEntry.objects.get(pk=entry.pk).text == SECRET


@pytest.mark.parametrize("persona", ["colleague", "supervisor", "admin", "researcher", "outsider"])
def test_nobody_else_reads_an_unshared_entry(world, login, entry, persona):
    client = login(getattr(world, persona))
    url = reverse("journal_entry", kwargs={"entry_id": entry.public_id})
    assert client.get(url).status_code == 404
    listing = client.get(reverse("journal")).content.decode()
    assert "irritated" not in listing


def test_author_reads_and_finds_by_tag_and_date(world, login, entry):
    make_entry(world.owner, "a learning moment", tags=["learning"], days_ago=10)
    client = login(world.owner)
    assert SECRET in client.get(reverse("journal_entry", args=[entry.public_id])).content.decode()
    by_tag = client.get(reverse("journal"), {"tag": "countertransference"}).content.decode()
    assert "irritated" in by_tag
    assert "a learning moment" not in by_tag
    today = entry.written_on.isoformat()
    by_date = client.get(reverse("journal"), {"date_from": today}).content.decode()
    assert "irritated" in by_date
    assert "a learning moment" not in by_date


def test_supervisor_reads_only_what_is_shared(world, login, entry):
    other = make_entry(world.owner, "kept to myself")
    actions.share_entry(world.owner, entry)
    client = login(world.supervisor)
    page = client.get(reverse("journal_entry", args=[entry.public_id]))
    assert page.status_code == 200
    assert SECRET in page.content.decode()
    # The supervisor reads, but never changes it.
    assert client.get(reverse("journal_edit", args=[entry.public_id])).status_code == 404
    assert client.get(reverse("journal_entry", args=[other.public_id])).status_code == 404
    listing = client.get(reverse("journal")).content.decode()
    assert "irritated" in listing
    assert "kept to myself" not in listing
    # Sharing is only ever with the author's own supervisor: the admin still sees nothing.
    assert (
        login(world.admin).get(reverse("journal_entry", args=[entry.public_id])).status_code == 404
    )
    actions.unshare_entry(world.owner, entry)
    assert (
        login(world.supervisor).get(reverse("journal_entry", args=[entry.public_id])).status_code
        == 404
    )


def test_share_through_the_page(world, login, entry):
    client = login(world.owner)
    client.post(reverse("journal_share", args=[entry.public_id]), {"share": "yes"})
    entry.refresh_from_db()
    assert entry.shared_with == world.supervisor
    assert entry_for_user(world.supervisor, entry.public_id) == entry


def test_colleague_cannot_share_or_edit(world, login, entry):
    client = login(world.colleague)
    assert (
        client.post(reverse("journal_share", args=[entry.public_id]), {"share": "yes"}).status_code
        == 404
    )
    assert (
        client.post(reverse("journal_edit", args=[entry.public_id]), {"text": "x"}).status_code
        == 404
    )
    entry.refresh_from_db()
    assert entry.shared_with is None
    assert entry.text == SECRET


def test_write_through_the_form_links_a_session(world, login):
    client = login(world.owner)
    response = client.post(
        reverse("journal_new"),
        {
            "written_on": "2020-01-02",
            "tags": ["rupture", "learning"],
            "session": str(world.session.public_id),
            "text": "We repaired it by naming it.",
        },
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get(author=world.owner)
    assert entry.tag_list == ["rupture", "learning"]
    assert journal_marker(world.owner, world.session) is True
    # Only the author's marker: the supervisor of the same session has none.
    assert journal_marker(world.supervisor, world.session) is False


def test_a_colleagues_session_cannot_be_linked(world, login):
    client = login(world.owner)
    response = client.post(
        reverse("journal_new"),
        {
            "written_on": "2020-01-02",
            "session": str(world.colleague_session.public_id),
            "text": "not mine",
        },
    )
    assert response.status_code == 200
    assert "session" in response.context["form"].errors
    assert not JournalEntry.objects.exists()


def test_future_date_and_empty_text_are_refused_at_the_field(world, login):
    response = login(world.owner).post(
        reverse("journal_new"), {"written_on": "2999-01-01", "text": ""}
    )
    errors = response.context["form"].errors
    assert "written_on" in errors
    assert "text" in errors


def test_new_entry_form_preselects_the_session(world, login):
    client = login(world.owner)
    response = client.get(reverse("journal_new"), {"session": str(world.session.public_id)})
    assert response.context["form"]["session"].value() == str(world.session.public_id)


def test_session_marker_snippet_shows_only_to_the_author(world, entry):
    from django.template.loader import render_to_string

    context = {"session": world.session, "has_reflection": True}
    mine = render_to_string("journal/_session_marker.html", {**context, "user": world.owner})
    assert "You wrote a reflection about this session" in mine
    other = render_to_string("journal/_session_marker.html", {**context, "user": world.supervisor})
    assert "reflection" not in other
