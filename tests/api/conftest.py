import json

import pytest
from django.test import Client as HttpClient


class Api:
    """A Django test client that sends a bearer token and JSON."""

    def __init__(self, secret: str | None):
        self.http = HttpClient()
        self.secret = secret

    def _headers(self, headers):
        out = dict(headers or {})
        if self.secret:
            out["Authorization"] = f"Bearer {self.secret}"
        return out

    def get(self, path, params=None, headers=None):
        return self.http.get(path, params or {}, headers=self._headers(headers))

    def post(self, path, body=None, *, raw=None, content_type="application/json", headers=None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.http.post(path, data, content_type=content_type, headers=self._headers(headers))


@pytest.fixture
def api_for():
    from alliance.web.api.actions import create_token

    # Every scope: the blanket verbs, and the whole-record export that neither of them covers.
    def _make(user, scopes=("read", "write", "clients:export"), days=30):
        if user is None:
            return Api(None)
        _token, secret = create_token(user, user, scopes=list(scopes), days=days)
        return Api(secret)

    return _make
