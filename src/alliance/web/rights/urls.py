"""URLs of the rights app."""

urlpatterns: list = []
