"""Both APIs against their own OpenAPI descriptions, fuzzed with Schemathesis: every
operation, bounded examples, as a partner agent and as a customer user on the partners'
API, as a support engineer and a CSM on the console's. No server error, every response
conforms to the documented schema, and every answer is JSON (problem details for errors)
or the binary the operation declares — unknown paths, trailing slashes, methods a path does
not take and malformed multipart bodies included."""

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import make_sample, make_token

HOST = "alpha.localhost"
JSON_TYPES = {"application/json", "application/problem+json"}


def answers_json_or_its_declared_binary(ctx, response, case):
    """Nothing under /api/ answers HTML or text: JSON, problem details, or the binary type
    the operation declares for that status (the report's PDF); a 304 or a 204 has no body.
    """
    if response.status_code in (204, 304):
        assert not response.content, f"{case.method} {case.formatted_path}: a body"
        return
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    documented = case.operation.definition.raw.get("responses", {}).get(
        str(response.status_code), {}).get("content", {})
    assert content_type in JSON_TYPES | set(documented), (
        f"{case.method} {case.formatted_path} answered {response.status_code} "
        f"as {content_type!r}")


# What the API promises: no server error, and answers exactly as described. (Random ids
# and Site IDs that exist nowhere are rightly refused, so "valid data accepted" is not
# among them.)
CONFORMANCE = [checks.not_a_server_error, checks.status_code_conformance,
               checks.content_type_conformance, checks.response_schema_conformance,
               checks.response_headers_conformance, answers_json_or_its_declared_binary]
EXAMPLES = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def wsgi(world):
    # As Django's test client does: a request must not close the test's connection, which
    # holds the transaction every test is rolled back in.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, wsgi):
    with tenant_context(world.alpha):
        make_sample(world.customer(world.alpha, "AL-0001"))
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi,
                                          headers={"Host": HOST})


@pytest.fixture
def console_schema(world, wsgi):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi,
                                          headers={"Host": world.vendor.primary_domain})


def session_cookie(persona):
    name = django_settings.SESSION_COOKIE_NAME
    return {name: persona.client().cookies[name].value}


def fuzz(schema, headers, **call):
    """Calls every operation with bounded examples; the statuses answered."""
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses, called = [], set()
    for operation in operations:
        @EXAMPLES
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call_and_validate(headers=headers, checks=CONFORMANCE, **call)
            statuses.append(response.status_code)
            called.add(case.operation.label)

        check()
    # Every operation was called, and not all of them were refused.
    assert called == {operation.label for operation in operations}
    assert any(200 <= status < 300 for status in statuses), statuses
    return operations


@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer1"])
def test_every_operation_conforms_to_its_description(api_schema, world, persona):
    headers = {"Host": HOST, "Authorization": f"Bearer {make_token(world[persona])}"}
    assert len(fuzz(api_schema, headers)) >= 15


@pytest.mark.parametrize("persona", ["support_engineer", "csm"])
def test_every_console_operation_conforms_to_its_description(console_schema, world, persona):
    headers = {"Host": world.vendor.primary_domain}
    assert len(fuzz(console_schema, headers, cookies=session_cookie(world[persona]))) >= 3


def assert_problem(response, status, request):
    assert response.status_code == status, (request, response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json", request
    problem = response.json()
    assert problem["status"] == status and problem["title"], request
    return problem


def test_every_path_answers_problems_off_its_operations(api_schema, world):
    """Around each operation of the description: its path with a trailing slash, a path
    below it that does not exist, a method it does not take, and (for each POST) a
    multipart body without its boundary, with and without an Idempotency-Key."""
    client = Client(HTTP_HOST=HOST,
                    headers={"Authorization": f"Bearer {make_token(world['alpha_agent'])}"})
    methods, bodies = {}, set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        path = operation.path.replace("{", "").replace("}", "")
        for name in operation.path_parameters:
            path = path.replace(name.name, "1")
        methods.setdefault(path, set()).add(operation.method.upper())
        if list(operation.body):
            bodies.add(path)
    assert len(methods) >= 10
    for path, allowed in methods.items():
        assert_problem(client.get(path + "/"), 404, f"GET {path}/")
        assert_problem(client.get(path + "/nothing/here"), 404, f"GET {path}/nothing/here")
        refused = next(method for method in ("DELETE", "PUT", "PATCH") if method not in allowed)
        response = client.generic(refused, path)
        assert_problem(response, 405, f"{refused} {path}")
        assert set(response["Allow"].replace(" ", "").split(",")) == allowed
        if "POST" in allowed:
            for key in ({}, {"Idempotency-Key": f"malformed-{path}"}):
                response = client.generic("POST", path, b"--x\r\nContent-Disposition: "
                                          b"form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n",
                                          content_type="multipart/form-data", headers=key)
                request = f"POST {path} (multipart without boundary, {key})"
                if path in bodies:
                    assert_problem(response, 400, request)
                else:  # the operation reads no body: answered as without one
                    assert response.status_code < 500, request
                    assert response["Content-Type"] in JSON_TYPES, request


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/", "/api/v1/devices/",
                                  "/api/v2/devices", "/api/v1/openapi.json/"])
def test_unknown_paths_are_problems_on_both_apis(world, path):
    for host in (HOST, world.vendor.primary_domain):
        for method in ("GET", "POST"):
            response = Client(HTTP_HOST=host).generic(method, path)
            assert_problem(response, 404, f"{method} {host}{path}")
