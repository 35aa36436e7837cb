"""URLs of the journal app: reflection, self-care, public practice pages and intake."""

from django.urls import path

from alliance.web.journal.views import intake, journal, pages, public, selfcare

urlpatterns = [
    path("journal/", journal.journal, name="journal"),
    path("journal/new/", journal.journal_new, name="journal_new"),
    path("journal/<uuid:entry_id>/", journal.journal_entry, name="journal_entry"),
    path("journal/<uuid:entry_id>/edit/", journal.journal_edit, name="journal_edit"),
    path("journal/<uuid:entry_id>/share/", journal.journal_share, name="journal_share"),
    path("self-care/", selfcare.self_care, name="self_care"),
    path("self-care/check-in/", selfcare.self_care_check_in, name="self_care_check_in"),
    path("practice-page/", pages.practice_page_edit, name="practice_page_edit"),
    path(
        "practice-page/organisation/",
        pages.practice_page_edit_organisation,
        name="practice_page_edit_organisation",
    ),
    path("intake/", intake.intake_queue, name="intake_queue"),
    path("intake/<uuid:intake_id>/accept/", intake.intake_accept, name="intake_accept"),
    path("intake/<uuid:intake_id>/decline/", intake.intake_decline, name="intake_decline"),
    path("practice/<slug:org_slug>/", public.practice_page, name="practice_page"),
    path("practice/<slug:org_slug>/sent/", public.intake_sent, name="intake_sent"),
    path(
        "practice/<slug:org_slug>/<str:member>/",
        public.practitioner_page,
        name="practitioner_page",
    ),
]
