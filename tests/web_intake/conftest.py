import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    # The intake rate limit lives in the shared (database) cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()
