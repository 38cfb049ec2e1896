"""Both APIs' OpenAPI descriptions: valid OpenAPI (openapi-spec-validator), no component
schema that nothing refers to, a server to call, and the conventions every operation
follows spelt out (Idempotency-Key, RateLimit-*, Retry-After, the replay header, binary
answers with their content type)."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import tenant_context
from openapi_spec_validator import validate

from portal.api.ratelimit import parse_rate
from tests.api.conftest import make_sample

HOST = "alpha.localhost"


def document(host):
    response = Client(HTTP_HOST=host).get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def referenced(node):
    """Every `$ref` found in `node`, at any depth."""
    if isinstance(node, dict):
        refs = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return refs.union(*(referenced(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(referenced(value) for value in node))
    return set()


def operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.mark.parametrize("api", ["partners", "console"])
def test_the_description_is_valid_openapi_without_unused_schemas(world, api):
    openapi = document(HOST if api == "partners" else world.vendor.primary_domain)
    validate(openapi)
    assert openapi["servers"] and all(server["url"] for server in openapi["servers"])
    schemas = openapi.get("components", {}).get("schemas", {})
    used, pending = set(), referenced(openapi["paths"])
    while pending:
        name = pending.pop().removeprefix("#/components/schemas/")
        if name not in used:
            used.add(name)
            pending |= referenced(schemas[name])
    assert set(schemas) - used == set()
    assert "ProblemOut" in used


def test_the_partner_description_spells_out_the_conventions(world):
    openapi = document(HOST)
    posts = 0
    for path, method, operation in operations(openapi):
        responses = operation["responses"]
        for status, response in responses.items():
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
                response.get("headers", {})), (path, method, status)
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"]
        assert responses["429"]["headers"]["Retry-After"]["required"] is True
        if method == "post":
            posts += 1
            [key] = [parameter for parameter in operation["parameters"]
                     if parameter["name"] == "Idempotency-Key"]
            assert key["in"] == "header" and key["required"] is True
            success = next(response for status, response in responses.items()
                           if status.startswith("2"))
            assert "Idempotent-Replayed" in success["headers"]
        else:
            assert "Idempotency-Key" not in {parameter["name"]
                                             for parameter in operation.get("parameters", [])}
    assert posts >= 8
    pdf = openapi["paths"]["/api/v1/reports/{report_id}/pdf"]["get"]["responses"]["200"]
    assert list(pdf["content"]) == ["application/pdf"]


def test_the_pdf_is_served_with_the_content_type_it_is_declared_with(world, api):
    with tenant_context(world.alpha):
        sample = make_sample(world.customer(world.alpha, "AL-0001"))
    response = api("alpha_agent").get(f"/api/v1/reports/{sample.report.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    limit, _period = parse_rate(settings.API_RATE_LIMIT)
    assert response["RateLimit-Limit"] == str(limit)
    assert int(response["RateLimit-Remaining"]) == limit - 1


def test_the_console_description_has_no_idempotency_key(world):
    openapi = document(world.vendor.primary_domain)
    for _path, _method, operation in operations(openapi):
        assert "Idempotency-Key" not in {parameter["name"]
                                         for parameter in operation.get("parameters", [])}
        assert "RateLimit-Remaining" in operation["responses"]["200"]["headers"]
