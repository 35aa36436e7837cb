"""Transcript pages; included from `alliance.web.urls`. Record ids are UUIDs."""

from django.urls import path

from alliance.web.transcripts import views

urlpatterns = [
    path(
        "clients/<uuid:client_id>/transcript-consent/",
        views.consent,
        name="transcript_consent",
    ),
    path(
        "clients/<uuid:client_id>/transcript-consent/withdraw/",
        views.consent_withdraw,
        name="transcript_consent_withdraw",
    ),
    path(
        "sessions/<uuid:session_id>/transcript/new/",
        views.transcript_new,
        name="transcript_new",
    ),
    path("transcripts/<uuid:transcript_id>/", views.transcript_detail, name="transcript"),
    path(
        "transcripts/<uuid:transcript_id>/roles/",
        views.transcript_roles,
        name="transcript_roles",
    ),
    path(
        "transcripts/<uuid:transcript_id>/decide/",
        views.transcript_decide,
        name="transcript_decide",
    ),
    path(
        "transcripts/<uuid:transcript_id>/delete/",
        views.transcript_delete,
        name="transcript_delete",
    ),
]
