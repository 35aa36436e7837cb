"""URLs of the journal app: the reflection journal (the self-care pages are in web/pages/)."""

from django.urls import path

from alliance.web.journal.views import journal

urlpatterns = [
    path("journal/", journal.journal, name="journal"),
    path("journal/new/", journal.journal_new, name="journal_new"),
    path("journal/<uuid:entry_id>/", journal.journal_entry, name="journal_entry"),
    path("journal/<uuid:entry_id>/edit/", journal.journal_edit, name="journal_edit"),
    path("journal/<uuid:entry_id>/share/", journal.journal_share, name="journal_share"),
]
