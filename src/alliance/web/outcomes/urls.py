"""URLs of the outcome pages; record ids are UUIDs."""

from django.urls import path

from alliance.web.outcomes import views

urlpatterns = [
    path("outcomes/mine/", views.mine, name="outcomes_mine"),
    path("outcomes/supervision/", views.supervision, name="outcomes_supervision"),
    path("outcomes/practice/", views.practice, name="outcomes_practice"),
    path("outcomes/research/", views.research, name="outcomes_research"),
    path("outcomes/reports/", views.report_list, name="progress_reports"),
    path(
        "outcomes/clients/<uuid:client_id>/report/",
        views.progress_report,
        name="progress_report",
    ),
    path(
        "outcomes/clients/<uuid:client_id>/report.pdf",
        views.progress_report_pdf,
        name="progress_report_pdf",
    ),
]
