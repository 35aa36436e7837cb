"""Styled 403, 404 and 500 pages in the site's look, and a favicon that never 404s."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def _styled(html: str) -> None:
    assert "alliance/app.css" in html
    assert 'class="error-page"' in html
    assert 'rel="icon"' in html
    assert "Go to the start page" in html


def test_an_unknown_practice_page_gets_the_styled_404(client, settings):
    settings.DEBUG = False
    response = client.get(reverse("practice_page", args=["no-such-practice"]))
    assert response.status_code == 404
    html = response.content.decode()
    _styled(html)
    assert "We could not find that page" in html
    assert "<h1>Not Found</h1>" not in html
    assert 'class="mainnav"' not in html  # an anonymous visitor sees no staff menu


def test_a_signed_in_user_keeps_the_menu_on_a_404(client, settings):
    settings.DEBUG = False
    org = make_organisation()
    client.force_login(make_user(org, "practitioner"))
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert 'class="mainnav"' in response.content.decode()


def test_403_and_500_are_styled():
    request = RequestFactory().get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    denied = defaults.permission_denied(request, PermissionDenied())
    assert denied.status_code == 403
    _styled(denied.content.decode())
    assert "You do not have access to this page" in denied.content.decode()
    # The 500 page renders with no context at all (Django's server_error), so it must not
    # need the request, the user or the database.
    broken = defaults.server_error(request)
    assert broken.status_code == 500
    _styled(broken.content.decode())
    assert "Something went wrong on our side" in broken.content.decode()


def test_favicon_ico_is_served_not_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".ico")
    path = finders.find("alliance/favicon.ico")
    assert path, "the icon ships with the static files"
    with open(path, "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO header
    login = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in login and "favicon.ico" in login
