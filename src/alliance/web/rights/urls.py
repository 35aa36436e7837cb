"""URLs of the rights app: a client's data export and erasure, the admin's retention pages."""

from django.urls import path

from alliance.web.rights import views

urlpatterns = [
    path("clients/<uuid:client_id>/export/", views.client_export, name="client_export"),
    path("clients/<uuid:client_id>/erase/", views.client_erase, name="client_erase"),
    path("data-requests/", views.data_requests, name="data_requests"),
    path("retention/", views.retention_settings, name="retention_settings"),
]
