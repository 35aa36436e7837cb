import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The intake rate limit lives in the cache; each test starts with none counted.
    cache.clear()
    yield
    cache.clear()
