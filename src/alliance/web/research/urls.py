"""Research pages; included from `alliance.web.urls`. Record ids are UUIDs."""

from django.urls import path

from alliance.web.research import views

urlpatterns = [
    path("research/", views.research_home, name="research"),
    path("research/export/", views.research_export, name="research_export"),
    path("research/report/", views.research_report, name="research_report"),
    path("research/fit/", views.research_fit, name="research_fit"),
    path(
        "clients/<uuid:client_id>/research-consent/",
        views.research_consent,
        name="research_consent",
    ),
]
