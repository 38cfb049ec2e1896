"""The API against its own OpenAPI description, fuzzed with Schemathesis: every operation,
bounded examples, as a partner agent and as a customer user. No server error, and every
response conforms to the documented schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import make_sample, make_token

HOST = "alpha.localhost"
# What the API promises: no server error, and answers exactly as described. (Random ids
# and Site IDs that exist nowhere are rightly refused, so "valid data accepted" is not
# among them.)
CONFORMANCE = [checks.not_a_server_error, checks.status_code_conformance,
               checks.content_type_conformance, checks.response_schema_conformance,
               checks.response_headers_conformance]
EXAMPLES = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(world):
    with tenant_context(world.alpha):
        make_sample(world.customer(world.alpha, "AL-0001"))
    # As Django's test client does: a request must not close the test's connection, which
    # holds the transaction every test is rolled back in.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(),
                                         headers={"Host": HOST})
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer1"])
def test_every_operation_conforms_to_its_description(api_schema, world, persona):
    headers = {"Host": HOST, "Authorization": f"Bearer {make_token(world[persona])}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    statuses = []

    for operation in operations:
        @EXAMPLES
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call_and_validate(headers=headers, checks=CONFORMANCE)
            statuses.append(response.status_code)

        check()
    # Every operation was called, and not all of them were refused.
    assert len(statuses) >= len(operations)
    assert any(200 <= status < 300 for status in statuses)
