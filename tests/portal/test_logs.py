"""Production's logs: one JSON object a line; one access line per request with its id
(the proxy's X-Request-ID, or one made here, returned either way), partner, user id,
route, status and duration, and no personal data beyond the user's id; task lines with
the task's name, id and partner."""

import io
import json
import logging

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from portal.celery import app
from portal.observability.logs import ContextFilter, JsonFormatter


@pytest.fixture
def json_lines():
    """What the loggers write, through production's formatter and filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def access_lines(lines):
    return [line for line in lines if line["logger"] == "portal.access"]


def test_one_access_line_per_request_with_the_proxys_request_id(world, json_lines):
    admin = world["alpha_admin"]
    response = admin.client().get("/", HTTP_X_REQUEST_ID="req-1234abcd")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-1234abcd"
    [line] = access_lines(json_lines())
    assert line["request_id"] == "req-1234abcd"
    assert line["partner"] == "alpha"
    assert line["user_id"] == admin.user.pk
    assert line["route"] == "dashboard"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert 0 < line["duration_ms"] < 30_000
    assert admin.user.email not in json.dumps(line)
    assert "@" not in json.dumps(line)


@pytest.mark.parametrize("given", [None, "", "two words", "x" * 200, "<script>"])
def test_a_request_id_is_made_when_none_sensible_is_given(world, json_lines, given):
    headers = {"HTTP_X_REQUEST_ID": given} if given is not None else {}
    response = Client(HTTP_HOST="alpha.localhost").get("/accounts/login/", **headers)
    made = response["X-Request-ID"]
    assert made and made != given and len(made) == 32
    [line] = access_lines(json_lines())
    assert line["request_id"] == made
    assert line["route"] == "account_login"
    assert "user_id" not in line


def test_django_s_not_found_line_carries_the_request_id(world, json_lines):
    Client(HTTP_HOST="alpha.localhost").get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")
    lines = [line for line in json_lines() if line["logger"] == "django.request"]
    assert [line["request_id"] for line in lines] == ["req-404"]


def test_lines_logged_during_a_request_carry_its_id(world, json_lines):
    from django.test.signals import template_rendered

    admin = world["alpha_admin"]

    def rendered(sender, template, context, **kwargs):
        logging.getLogger("portal.tenants").warning("rendered for %s", admin.user.email)

    template_rendered.connect(rendered, dispatch_uid="test-logs")
    try:
        response = admin.client().get("/", HTTP_X_REQUEST_ID="req-77")
    finally:
        template_rendered.disconnect(dispatch_uid="test-logs")
    assert response.status_code == 200
    lines = [line for line in json_lines() if line["logger"] == "portal.tenants"]
    assert lines
    assert {(line["request_id"], line["partner"]) for line in lines} == {("req-77", "alpha")}
    # E-mail addresses are masked in every message.
    assert {line["message"] for line in lines} == {"rendered for [email]"}


@app.task(name="tests.portal.test_logs.say_something")
def say_something():
    logging.getLogger("reporting").info("rendering")


def test_task_lines_carry_the_task_and_its_partner(world, json_lines):
    with tenant_context(world.alpha):
        result = say_something.delay()
    [line] = [line for line in json_lines() if line["logger"] == "reporting"]
    assert line["task_name"] == "tests.portal.test_logs.say_something"
    assert line["task_id"] == result.id
    assert line["partner"] == "alpha"
