"""A CSM's personal console tokens: made by the CSM on the console, read only, seeing what
the CSM's pages show (their assigned customers); other vendor staff have none."""

import pytest
from django.test import RequestFactory
from django_tenants.utils import schema_context

from portal.api.auth import console_authenticate
from portal.api.problems import InsufficientScope
from portal.users import services
from portal.users.models import ApiToken
from tests.api.conftest import ApiClient


def console_token(world, persona="csm", scope="read"):
    with schema_context("public"):
        return services.create_api_token(world[persona].user, name="My tool", scope=scope,
                                         days=30)


def test_a_csm_makes_a_read_only_token_on_the_console(world):
    browser = world["csm"].client()
    assert b'href="/profile/tokens/"' in browser.get("/profile/").content
    refused = browser.post("/profile/tokens/new/", {"name": "Sync", "scope": "write",
                                                    "days": 30})
    assert refused.status_code == 200 and "secret" not in refused.context
    response = browser.post("/profile/tokens/new/", {"name": "Sync", "scope": "read",
                                                     "days": 30})
    secret = response.context["secret"]
    assert secret.encode() in response.content
    listing = browser.get("/profile/tokens/")
    assert secret[:12].encode() in listing.content and b"/api/v1/docs" in listing.content
    with schema_context("public"):
        assert ApiToken.objects.get(user=world["csm"].user).scope == "read"
        with pytest.raises(Exception, match="read only"):
            services.create_api_token(world["csm"].user, name="W", scope="write", days=30)


def test_a_csm_token_sees_only_the_assigned_customers_and_their_reports(world, cross):  # noqa: F811
    _token, secret = console_token(world)
    tool = ApiClient(world.vendor.primary_domain, secret)
    customers = tool.get("/api/v1/customers").json()["items"]
    assert [(item["partner"]["slug"], item["site_id"]) for item in customers] == [
        ("alpha", "AL-0001")]
    reports = tool.get("/api/v1/reports").json()["items"]
    assert {item["customer"]["site_id"] for item in reports} == {"AL-0001"}
    # The escalation queue is the support engineers': not found, as on the pages.
    assert tool.get("/api/v1/escalations").status_code == 404


def test_a_csm_token_may_not_write(world):
    _token, secret = console_token(world)
    request = RequestFactory().post("/api/v1/customers", HTTP_HOST=world.vendor.primary_domain,
                                    HTTP_AUTHORIZATION=f"Bearer {secret}")
    with schema_context("public"), pytest.raises(InsufficientScope):
        console_authenticate(request)
    reader = RequestFactory().get("/api/v1/customers", HTTP_HOST=world.vendor.primary_domain,
                                  HTTP_AUTHORIZATION=f"Bearer {secret}")
    with schema_context("public"):
        assert console_authenticate(reader).user == world["csm"].user


@pytest.mark.parametrize("persona", ["vendor_admin", "support_engineer"])
def test_other_vendor_staff_have_no_console_tokens(world, persona):
    browser = world[persona].client()
    assert browser.get("/profile/tokens/").status_code == 404
    assert browser.get("/profile/tokens/new/").status_code == 404
    assert b'href="/profile/tokens/"' not in browser.get("/profile/").content
    _token, secret = console_token(world, persona)
    tool = ApiClient(world.vendor.primary_domain, secret)
    assert tool.get("/api/v1/escalations").status_code == 401


def test_a_csm_token_is_not_a_partner_portals_token(world):
    _token, secret = console_token(world)
    assert ApiClient(world.alpha.primary_domain, secret).get(
        "/api/v1/tickets").status_code == 401


def test_a_csm_cannot_revoke_another_csms_token(world):
    with schema_context("public"):
        from portal.users.models import Role, User

        other = User.objects.create(email="other.csm@vendor.example", role=Role.CSM)
        token, _secret = services.create_api_token(other, name="Theirs", scope="read",
                                                   days=30)
    browser = world["csm"].client()
    assert browser.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    with schema_context("public"):
        assert ApiToken.objects.get(pk=token.pk).revoked_at is None
