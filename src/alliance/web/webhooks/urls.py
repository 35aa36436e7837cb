"""URLs of the webhooks app (organisation admins only)."""

from django.urls import path

from alliance.web.webhooks import views

urlpatterns = [
    path("webhooks/", views.webhook_list, name="webhook_list"),
    path("webhooks/new/", views.webhook_new, name="webhook_new"),
    path("webhooks/<uuid:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<uuid:endpoint_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<uuid:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("webhooks/<uuid:endpoint_id>/secret/", views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<uuid:endpoint_id>/ping/", views.webhook_ping, name="webhook_ping"),
    path(
        "webhooks/deliveries/<uuid:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
