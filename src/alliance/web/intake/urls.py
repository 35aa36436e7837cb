"""URLs of the intake app: the public practice pages, editing them, and the intake queue."""

from django.urls import path

from alliance.web.intake.views import pages, public, queue

urlpatterns = [
    path("practice-page/", pages.practice_page_edit, name="practice_page_edit"),
    path(
        "practice-page/organisation/",
        pages.practice_page_edit_organisation,
        name="practice_page_edit_organisation",
    ),
    path("intake/", queue.intake_queue, name="intake_queue"),
    path("intake/<uuid:intake_id>/accept/", queue.intake_accept, name="intake_accept"),
    path("intake/<uuid:intake_id>/decline/", queue.intake_decline, name="intake_decline"),
    path("practice/<slug:org_slug>/", public.practice_page, name="practice_page"),
    path("practice/<slug:org_slug>/sent/", public.intake_sent, name="intake_sent"),
    path(
        "practice/<slug:org_slug>/<str:member>/",
        public.practitioner_page,
        name="practitioner_page",
    ),
]
