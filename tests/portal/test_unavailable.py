"""A request that cannot do without Redis while it is down answers 503 with Retry-After, in
the partner's brand and language (a problem on the API), never 500; the log names it."""

import json
import logging

import pytest
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.api.conftest import ApiClient, make_token


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def redis_down(*args, **kwargs):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.parametrize("persona,title", [("alpha_agent", "Temporarily unavailable"),
                                           ("beta_agent", "Momentanément indisponible")])
def test_a_page_that_needs_the_broker_answers_503_in_the_partners_brand(
        world, monkeypatch, caplog, persona, title):
    monkeypatch.setattr("tickets.services.open_ticket", broker_down)
    person = world[persona]
    site_id = "AL-0001" if person.tenant.slug == "alpha" else "BE-0001"
    with caplog.at_level(logging.WARNING, logger="portal.unavailable"):
        response = person.client().post("/tickets/new/", {
            "site_id": site_id, "subject": "Needs the broker", "description": "No sound.",
            "category": "technical", "priority": "P3"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert title in page
    assert person.tenant.name in page
    assert "POST /tickets/new/ needs Redis" in caplog.text


def test_an_api_request_that_needs_redis_answers_a_503_problem(world, monkeypatch, settings):
    settings.UNAVAILABLE_RETRY_AFTER_SECONDS = 45
    monkeypatch.setattr("inventory.services.devices_prepared_for", redis_down)
    agent = world["alpha_agent"]
    response = ApiClient(agent.host, make_token(agent, scope="read")).get("/api/v1/devices")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "45"
    problem = json.loads(response.content)
    assert (problem["type"], problem["status"]) == ("/api/v1/problems/unavailable", 503)


def test_other_errors_are_left_alone(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("tickets.services.open_ticket", broken)
    with pytest.raises(RuntimeError):
        world["alpha_agent"].client().post("/tickets/new/", {
            "site_id": "AL-0001", "subject": "A bug", "description": "No sound.",
            "category": "technical", "priority": "P3"})
