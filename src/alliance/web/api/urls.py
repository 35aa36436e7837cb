"""URLs of the api app: the JSON API under /api/v1/ and the token pages under /api/tokens/."""

from django.urls import path

from alliance.web.api import views
from alliance.web.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/tokens/", views.token_list, name="api_tokens"),
]
