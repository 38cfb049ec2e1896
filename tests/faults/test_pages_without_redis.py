"""With Redis stopped, every page of the partner portal and of the vendor console, and every
list of the API, answers as it does with Redis up: nothing answers 500."""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings

from portal.celery import app
from tests.api.conftest import ApiClient, make_token
from tests.api.test_isolation_matrix import operations
from tests.test_access_matrix import expected_status, our_routes, sample_path

pytestmark = pytest.mark.fault


@pytest.fixture
def redis_down(redis_server, settings, monkeypatch):
    """The cache and the broker on a real Redis server, stopped."""
    cache_settings = dict(settings.CACHES["default"], LOCATION=redis_server.url,
                          BACKEND="portal.cache.FallbackRedisCache",
                          OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 2})
    before = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    monkeypatch.setattr(app, "_pool", None)
    try:
        with override_settings(CACHES={"default": cache_settings}):
            cache.set("probe", "in redis")
            assert cache.get("probe") == "in redis"
            redis_server.stop()
            yield redis_server
    finally:
        app.conf.update(before)


@pytest.mark.parametrize("persona,urlconf", [("alpha_admin", "portal.urls_tenant"),
                                             ("vendor_admin", "portal.urls_public")])
def test_every_page_answers_as_usual_while_redis_is_down(world, redis_down, persona, urlconf,
                                                        caplog):
    person = world[persona]
    client = person.client()
    answered = {}
    with caplog.at_level(logging.WARNING):
        for route, pattern in our_routes(urlconf):
            path = sample_path(world, person.tenant, route, pattern)
            answered[f"{path} ({pattern.name})"] = (
                client.get(path).status_code, expected_status(pattern, person.user.role))
    assert {page: codes for page, codes in answered.items() if codes[0] != codes[1]} == {}
    assert len(answered) > 40
    # Nothing needed Redis to the point of a 503.
    assert "answered 503" not in caplog.text


def test_every_list_of_the_api_answers_while_redis_is_down(world, redis_down):
    admin = world["alpha_admin"]
    tool = ApiClient(admin.host, make_token(admin, scope="read"))
    lists = [path for method, path, _ in operations() if method == "GET" and "{" not in path]
    assert len(lists) > 5
    answered = {path: tool.get(path).status_code for path in lists}
    assert {path: status for path, status in answered.items() if status != 200} == {}
