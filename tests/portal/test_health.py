"""/healthz and /readyz: on every host, the unknown ones included, without signing in,
never cached; /readyz names what is not reachable (tests/faults/test_readyz.py stops each
part for real)."""

import pytest
from django.test import Client


@pytest.mark.parametrize("host", ["alpha.localhost", "localhost", "unknown.example.org",
                                  "10.0.0.7:8000"])
def test_healthz_answers_on_every_host_without_the_database(world, host,
                                                          django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("host", ["alpha.localhost", "unknown.example.org"])
def test_readyz_answers_ok_when_every_part_is_reachable(world, host):
    response = Client(HTTP_HOST=host).get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {
        "database": "ok", "redis": "ok", "storage": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_an_unknown_host_still_gets_404_elsewhere(world):
    assert Client(HTTP_HOST="nobody.localhost").get("/accounts/login/").status_code == 404


def test_healthz_is_answered_before_a_signed_in_session_is_read(world):
    client = world["alpha_admin"].client()
    assert client.get("/healthz").status_code == 200
    assert "Set-Cookie" not in str(client.get("/healthz").headers)
