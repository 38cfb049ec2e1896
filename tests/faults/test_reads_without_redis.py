"""With Redis down, signing in and reading the API still work: the rate limits count in a
cache of the process meanwhile, and the log says so."""

import logging

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from redis import Redis

from tests.api.conftest import ApiClient, make_token
from tests.portal.test_login import login

pytestmark = pytest.mark.fault


@pytest.fixture
def redis_cache(redis_server, settings, monkeypatch):
    # Every call tries Redis first (the pause after a failure is tested on its own).
    monkeypatch.setattr("portal.cache.RETRY_AFTER", 0)
    cache_settings = dict(settings.CACHES["default"], LOCATION=redis_server.url,
                          BACKEND="portal.cache.FallbackRedisCache",
                          OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 2})
    with override_settings(CACHES={"default": cache_settings}):
        yield redis_server


def test_sign_in_and_api_reads_work_while_redis_is_down(world, redis_cache, caplog):
    cache.set("probe", "in redis")
    assert cache.get("probe") == "in redis"
    agent = world["alpha_agent"]
    tool = ApiClient(agent.host, make_token(agent, scope="read"))

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        client, response = login("alpha.localhost", "agent@alpha.example")
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        assert tool.get("/api/v1/devices").status_code == 200
    assert "Redis cannot be reached" in caplog.text

    redis_cache.start()
    assert cache.get("probe") is None  # the server came back empty: Redis answers again
    cache.set("probe", "back in redis")
    assert cache.get("probe") == "back in redis"


def test_failed_logins_are_still_counted_while_redis_is_down(world, redis_cache):
    redis_cache.stop()
    for _ in range(10):
        login("alpha.localhost", "agent@alpha.example", password="wrong")
    _client, response = login("alpha.localhost", "agent@alpha.example")
    # allauth's failed-login limit, counted by this process meanwhile.
    assert response.status_code == 200
    assert response.context["form"].errors


def test_after_a_failure_redis_is_left_alone_for_a_few_seconds(world, redis_cache,
                                                                monkeypatch):
    calls = []
    real_get = RedisCache.get
    monkeypatch.setattr(RedisCache, "get", lambda *args, **kwargs: (
        calls.append(args[1]), real_get(*args, **kwargs))[1])
    monkeypatch.setattr("portal.cache.RETRY_AFTER", 60)
    redis_cache.stop()
    for _ in range(5):
        assert cache.get("probe") is None
    # One call found Redis gone; the next four did not wait for it.
    assert calls == ["probe"]


def test_the_api_rate_limit_counts_in_redis_and_in_the_process_while_it_is_down(
        world, redis_cache, settings):
    settings.API_RATE_LIMIT = "3/min"
    agent = world["alpha_agent"]
    tool = ApiClient(agent.host, make_token(agent, scope="read"))

    answers = [tool.get("/api/v1/devices") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]
    # The window's counter goes with the window: it expires after its minute.
    redis = Redis.from_url(redis_cache.url)
    [key] = redis.keys("*api-rate:token:*")
    assert int(redis.get(key)) == 4
    assert 0 < redis.ttl(key) <= 61

    redis_cache.stop()
    answers = [tool.get("/api/v1/devices") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
