"""Health checks for a proxy and monitoring: /healthz (the process) and /readyz (its parts)."""

from __future__ import annotations

import socket

import pytest


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_healthz_and_readyz_answer_ok_to_anyone(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.content == b"ok"
        assert response["Content-Type"].startswith("text/plain")
        assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_readyz_works_with_a_real_redis_as_the_cache(client, settings, redis_url):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    assert client.get("/readyz").content == b"ok"


@pytest.mark.django_db
def test_readyz_says_which_part_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"unavailable: cache"
    # The process itself is up: /healthz does not depend on the cache.
    assert client.get("/healthz").status_code == 200
