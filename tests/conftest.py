import os

import pytest
from hypothesis import settings

from tests.factories import build_world, pass_second_factor
from tests.redis_server import redis_url  # noqa: F401 - a fixture for every test package

# In CI, property-based tests derive their examples from each test's name (the same every run),
# so a landing is never decided by a new random draw; developers' runs keep exploring.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _no_api_token_left_over():
    """Forget the API token a test authenticated with outside a request (a server clears it at
    every request's start), so the next test's audit entries never name a rolled-back user."""
    yield
    from alliance.web.audit.log import clear_token

    clear_token()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
            # Staff who need a second factor get a session that has passed it.
            pass_second_factor(client, user)
        return client

    return _login
