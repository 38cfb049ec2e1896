"""The vendor console's API: vendor staff's cross-partner reads, by the console's session.
Support engineers read escalated tickets only; a CSM only their assigned customers and
those customers' reports; every other role 404; partner users never get in (401)."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from console.api import console_api
from reporting.models import MonthlyReport
from tests.api.conftest import make_token
from tickets.models import Ticket
from tickets.queries import index_tickets

# Operation → the vendor role that may call it (as the console's pages allow).
ROLES = {"list_escalations": "support_engineer", "list_csm_reports": "csm",
         "list_csm_customers": "csm"}
VENDOR_PERSONAS = ["vendor_admin", "csm", "support_engineer"]


def operations():
    schema = console_api.get_openapi_schema(path_prefix="/api/v1/")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation["operationId"]


def test_the_console_api_is_on_the_console_domain_only(world, console):
    assert console("csm").get("/api/v1/customers").status_code == 200
    assert console_api.urls_namespace == "console-api-v1"
    openapi = Client(HTTP_HOST=world.vendor.primary_domain).get("/api/v1/openapi.json")
    assert set(openapi.json()["paths"]) == {"/api/v1/escalations", "/api/v1/reports",
                                            "/api/v1/customers"}


def test_a_support_engineer_sees_escalated_tickets_of_every_partner(world, console, cross):
    items = console("support_engineer").get("/api/v1/escalations").json()["items"]
    assert {(item["partner"]["slug"], item["id"]) for item in items} == {
        ("alpha", cross["AL-0002"].ticket.pk), ("beta", cross["BE-0001"].ticket.pk)}
    alpha = next(item for item in items if item["partner"]["slug"] == "alpha")
    assert alpha["customer"] == {"site_id": "AL-0002", "name": "Alpha Customer Two"}
    assert alpha["escalation_level"] == "vendor" and alpha["reference"].startswith("AC-T-")


def test_the_escalation_queue_filters_like_the_page(world, console, cross):
    client = console("support_engineer")
    by_partner = client.get("/api/v1/escalations", {"partner": "beta"}).json()["items"]
    assert [item["partner"]["slug"] for item in by_partner] == ["beta"]
    specialist = client.get("/api/v1/escalations", {"level": "specialist"}).json()["items"]
    assert [item["id"] for item in specialist] == [cross["BE-0001"].ticket.pk]
    found = client.get("/api/v1/escalations", {"q": "AL-0002"}).json()["items"]
    assert [item["customer"]["site_id"] for item in found] == ["AL-0002"]
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=cross["AL-0002"].ticket.pk).update(
            status=Ticket.Status.CLOSED)
        index_tickets([cross["AL-0002"].ticket.pk])
    assert len(client.get("/api/v1/escalations").json()["items"]) == 1  # open by default
    assert len(client.get("/api/v1/escalations", {"status": ""}).json()["items"]) == 2
    bad = client.get("/api/v1/escalations", {"partner": "nope"})
    assert bad.status_code == 422 and "partner" in bad.json()["errors"]


def test_escalations_come_in_cursor_pages(world, console, cross):
    client = console("support_engineer")
    first = client.get("/api/v1/escalations", {"limit": 1}).json()
    second = client.get("/api/v1/escalations", {"limit": 1, "cursor": first["next"]}).json()
    assert len(first["items"]) == len(second["items"]) == 1 and second["next"] is None
    assert first["items"][0]["partner"] != second["items"][0]["partner"]
    forged = client.get("/api/v1/escalations", {"cursor": "bm9wZQ"})
    assert forged.status_code == 422 and "cursor" in forged.json()["errors"]


def test_a_csm_sees_only_assigned_customers(world, console, cross):
    items = console("csm").get("/api/v1/customers").json()["items"]
    assert [(item["partner"]["slug"], item["site_id"]) for item in items] == [
        ("alpha", "AL-0001")]


def test_a_csm_sees_only_the_reports_of_assigned_customers(world, console, cross):
    client = console("csm")
    items = client.get("/api/v1/reports").json()["items"]
    assert [(item["partner"]["slug"], item["id"]) for item in items] == [
        ("alpha", cross["AL-0001"].report.pk)]
    assert items[0]["customer"]["site_id"] == "AL-0001" and items[0]["status"] == "published"
    other_status = next(status for status in MonthlyReport.Status.values
                        if status != "published")
    assert client.get("/api/v1/reports", {"status": other_status}).json()["items"] == []
    bad = client.get("/api/v1/reports", {"status": "nope"})
    assert bad.status_code == 422 and "status" in bad.json()["errors"]


@pytest.mark.parametrize("persona", VENDOR_PERSONAS)
def test_each_vendor_role_reaches_what_the_pages_allow(world, console, cross, persona):
    client = console(persona)
    for _method, path, operation_id in operations():
        response = client.get(path)
        expected = 200 if ROLES[operation_id] == persona else 404
        assert response.status_code == expected, f"{persona} {path}"
        assert response["Content-Type"].startswith(
            "application/json" if expected == 200 else "application/problem+json")
        if expected == 404:
            assert b"AL-000" not in response.content and b"BE-000" not in response.content


def test_every_operation_has_a_role():
    assert {operation_id for _m, _p, operation_id in operations()} == set(ROLES)
    assert all(method == "GET" for method, _p, _o in operations())


@pytest.mark.parametrize("who", ["anonymous", "alpha_admin_token", "alpha_admin_session",
                                 "csm_with_a_token_header"])
def test_partner_users_and_tokens_never_get_in(world, console, cross, who):
    if who == "anonymous":
        client, headers = Client(HTTP_HOST=world.vendor.primary_domain), {}
    elif who == "alpha_admin_token":
        client = Client(HTTP_HOST=world.vendor.primary_domain)
        headers = {"Authorization": f"Bearer {make_token(world['alpha_admin'])}"}
    elif who == "alpha_admin_session":
        # The partner's session cookie, carried to the console: sessions live in each
        # partner's schema, so the console does not know it.
        partner = world["alpha_admin"].client()
        client = Client(HTTP_HOST=world.vendor.primary_domain)
        client.cookies = partner.cookies
        headers = {}
    else:
        client, headers = console("csm"), {"Authorization": "Bearer anything"}
    for _method, path, _operation_id in operations():
        response = client.get(path, headers=headers)
        assert response.status_code == 401, f"{who} {path}"
        assert response["Content-Type"] == "application/problem+json"
        assert b"AL-000" not in response.content


def test_the_partners_api_is_not_on_the_console(world, console):
    assert console("csm").get("/api/v1/devices").status_code == 404
    assert console("support_engineer").get("/api/v1/lens-imports").status_code == 404
