"""URLs of the alert inbox; record ids are UUIDs."""

from django.urls import path

from alliance.web.insights import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("alerts/<uuid:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<uuid:alert_id>/snooze/", views.alert_snooze, name="alert_snooze"),
    path("alerts/<uuid:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
]
