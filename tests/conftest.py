import os

import pytest
from hypothesis import settings

from tests.factories import build_world, pass_second_factor

# In CI, property-based tests derive their examples from each test's name (the same every run),
# so a landing is never decided by a new random draw; developers' runs keep exploring.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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
