import pytest

from tests.factories import build_world, pass_second_factor


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
