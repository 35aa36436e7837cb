"""URLs of the security app."""

urlpatterns: list = []
