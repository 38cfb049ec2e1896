"""Integration tokens: the partner's, not a person's. Made by partner administrators, shown
once and stored hashed, acting through a service account that never signs in, within
their scopes per resource and method, optionally restricted to one customer, outliving
their creator, logged, and refused once expired or revoked."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.api.auth import RESOURCE_OF_PATH
from portal.site.api import api as partner_api
from portal.users import services
from portal.users.models import Role, ServiceToken, User
from tests.api.conftest import ApiClient
from tests.personas import PASSWORD

TICKET = {"site_id": "AL-0001", "subject": "No audio", "description": "Since Monday"}


def create(world, tenant="alpha", creator=None, **kwargs):
    tenant = getattr(world, tenant)
    kwargs = {"name": "PSA sync", "scopes": ["tickets:write"], **kwargs}
    with tenant_context(tenant):
        creator = creator or User.objects.get(role=Role.PARTNER_ADMIN)
        return services.create_service_token(creator, **kwargs)


def client(world, secret, tenant="alpha"):
    return ApiClient(getattr(world, tenant).primary_domain, secret)


def test_the_admin_page_shows_the_secret_once_and_stores_its_hash(world):
    admin = world["alpha_admin"].client()
    form = admin.get("/integrations/new/").content.decode()
    # The scopes' grid: a read and a write checkbox per resource.
    assert form.count('name="scopes"') == 14
    assert 'value="webhooks:write"' in form and "Replacements (RMA): read" in form
    response = admin.post("/integrations/new/", {
        "name": "PSA sync", "scopes": ["tickets:write", "devices:read"], "customer": "",
        "expires_on": ""})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("ppi_") and secret.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    listing = admin.get("/integrations/")
    assert secret.encode() not in listing.content
    assert secret[:12].encode() in listing.content
    with tenant_context(world.alpha):
        token = ServiceToken.objects.select_related("user").get()
        assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in str(token.__dict__)
        # Writing includes reading.
        assert token.scopes == ["devices:read", "tickets:read", "tickets:write"]
        assert token.created_by == world["alpha_admin"].user
        assert token.user.role == Role.PARTNER_ADMIN and token.user.is_service_account
        assert not token.user.has_usable_password()


def test_the_service_account_is_no_user_of_the_portal(world):
    token, _secret = create(world)
    users = world["alpha_admin"].client().get("/users/")
    assert token.user.email.encode() not in users.content
    assert b"PSA sync" not in users.content
    assert world["alpha_admin"].client().get(f"/users/{token.user_id}/").status_code == 404
    with tenant_context(world.alpha):
        assert not User.objects.filter(pk=token.user_id).exists()
        assert User.all_objects.filter(pk=token.user_id, is_service_account=True).exists()
    # Even given a password, it cannot sign in; a person with one can.
    with tenant_context(world.alpha):
        account = User.all_objects.get(pk=token.user_id)
        account.set_password(PASSWORD)
        account.save()
    for email, signs_in in ((world["alpha_agent"].user.email, True), (account.email, False)):
        browser = world.anonymous(world.alpha)
        response = browser.post("/accounts/login/", {"login": email, "password": PASSWORD})
        assert (response.status_code == 302) is signs_in, email
        assert ("_auth_user_id" in browser.session) is signs_in, email


def test_the_token_survives_its_creator_being_deactivated_then_deleted(world):
    with tenant_context(world.alpha):
        creator = User.objects.create(email="leaver@alpha.example", role=Role.PARTNER_ADMIN)
    _token, secret = create(world, creator=creator)
    tool = client(world, secret)
    with tenant_context(world.alpha):
        creator.is_active = False
        creator.save()
    assert tool.get("/api/v1/tickets").status_code == 200
    with tenant_context(world.alpha):
        creator.delete()
        assert ServiceToken.objects.get().created_by is None
    assert tool.post("/api/v1/tickets", TICKET).status_code == 201
    assert world["alpha_admin"].client().get("/integrations/").status_code == 200


def test_scopes_are_checked_per_resource_and_method(world, samples):
    _token, secret = create(world, scopes=["tickets:read", "devices:write"])
    tool = client(world, secret)
    assert tool.get("/api/v1/tickets").status_code == 200
    assert tool.get(f"/api/v1/tickets/{samples['AL-0001'].ticket.pk}").status_code == 200
    refused = tool.post("/api/v1/tickets", TICKET)
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["type"] == "/api/v1/problems/insufficient-scope"
    assert "tickets:write" in problem["detail"]
    for path, scope in [("/api/v1/rmas", "rmas:read"), ("/api/v1/contracts", "contracts:read"),
                        ("/api/v1/reports", "reports:read"),
                        ("/api/v1/true-up-quotes", "contracts:read")]:
        response = tool.get(path)
        assert response.status_code == 403, path
        assert scope in response.json()["detail"], path
    assert tool.get("/api/v1/devices").status_code == 200
    assert tool.get("/api/v1/lens-imports").status_code == 200
    # devices:write lets the request through to the operation's own checks.
    assert tool.post("/api/v1/devices", {"serial": "x"}).status_code == 422
    with tenant_context(world.alpha):
        from tickets.models import Ticket

        assert Ticket.objects.count() == 2  # the samples' only


def test_every_router_of_the_api_names_the_resource_of_its_scope():
    paths = partner_api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    segments = {path.removeprefix("/api/v1/").split("/")[0] for path in paths}
    assert segments <= set(RESOURCE_OF_PATH)


def test_a_restricted_token_lists_reads_and_creates_for_its_customer_only(world, samples):
    customer = samples["AL-0001"].customer
    _token, secret = create(world, scopes=["tickets:write", "devices:read", "rmas:read"],
                            customer=customer)
    tool = client(world, secret)
    tickets = tool.get("/api/v1/tickets").json()["items"]
    assert {item["customer"]["site_id"] for item in tickets} == {"AL-0001"}
    devices = tool.get("/api/v1/devices").json()["items"]
    assert devices and {item["customer"]["site_id"] for item in devices} == {"AL-0001"}
    other = samples["AL-0002"]
    assert tool.get(f"/api/v1/tickets/{other.ticket.pk}").status_code == 404
    assert tool.get(f"/api/v1/devices/{other.device.pk}").status_code == 404
    assert tool.get(f"/api/v1/rmas/{other.rma.pk}").status_code == 404
    assert tool.post("/api/v1/tickets", {**TICKET, "site_id": "AL-0002"}).status_code == 404
    response = tool.post("/api/v1/tickets", TICKET)
    assert response.status_code == 201
    assert response.json()["customer"]["site_id"] == "AL-0001"


def test_changes_are_recorded_as_made_via_the_integration(world, samples):
    token, secret = create(world, name="PSA sync")
    response = client(world, secret).post("/api/v1/tickets", TICKET)
    with tenant_context(world.alpha):
        from tickets.models import Ticket
        from tickets.services import ticket_history

        ticket = Ticket.objects.get(pk=response.json()["id"])
        assert ticket.history.first().history_user_id == token.user_id
        assert ticket_history(ticket)[-1].who == "via integration PSA sync"


def test_expired_and_revoked_tokens_are_refused(world):
    expiring, expiring_secret = create(world, expires_on=timezone.localdate())
    revoked, revoked_secret = create(world, name="Old sync")
    assert client(world, expiring_secret).get("/api/v1/tickets").status_code == 200
    with tenant_context(world.alpha):
        ServiceToken.objects.filter(pk=expiring.pk).update(
            expires_on=timezone.localdate() - timedelta(days=1))
    assert client(world, expiring_secret).get("/api/v1/tickets").status_code == 401
    admin = world["alpha_admin"].client()
    assert admin.post(f"/integrations/{revoked.pk}/revoke/").status_code == 302
    response = client(world, revoked_secret).get("/api/v1/tickets")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    with pytest.raises(ValidationError):
        create(world, expires_on=timezone.localdate() - timedelta(days=1))


def test_another_partners_token_is_refused(world):
    _token, secret = create(world, tenant="beta")
    assert client(world, secret, tenant="beta").get("/api/v1/tickets").status_code == 200
    assert client(world, secret, tenant="alpha").get("/api/v1/tickets").status_code == 401


def test_last_use_is_written_at_most_once_a_minute(world):
    token, secret = create(world)
    tool = client(world, secret)
    tool.get("/api/v1/tickets")
    with tenant_context(world.alpha):
        first = ServiceToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    tool.get("/api/v1/tickets")
    with tenant_context(world.alpha):
        assert ServiceToken.objects.get(pk=token.pk).last_used_at == first
        services.service_token_for(secret, now=first + timedelta(minutes=2))
        assert ServiceToken.objects.get(pk=token.pk).last_used_at > first
        # Only the first use is a history record.
        assert token.history.filter(history_type="~").count() == 1


def test_the_tokens_page_logs_creation_first_use_scope_change_and_revocation(world):
    admin = world["alpha_admin"].client()
    response = admin.post("/integrations/new/", {"name": "PSA sync",
                                                 "scopes": ["tickets:read"]})
    secret = response.context["secret"]
    with tenant_context(world.alpha):
        token = ServiceToken.objects.get()
    client(world, secret).get("/api/v1/tickets")
    assert admin.post(f"/integrations/{token.pk}/", {
        "scopes": ["tickets:read", "rmas:read"]}).status_code == 302
    assert admin.post(f"/integrations/{token.pk}/revoke/").status_code == 302
    page = admin.get("/integrations/")
    entries = [(entry.who, entry.action) for entry in page.context["history"]]
    assert [(str(who), str(action)) for who, action in entries] == [
        ("admin@alpha.example", "revoked"),
        ("admin@alpha.example", "scopes changed"),
        ("via integration PSA sync", "used for the first time"),
        ("admin@alpha.example", "created"),
    ]
    change = page.context["history"][1].changes[0]
    assert (change[1], change[2]) == ("Tickets: read", "Tickets: read, Replacements (RMA): read")
    assert b"used for the first time" in page.content


@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer1", "beta_admin"])
def test_the_pages_are_for_the_partners_administrators_only(world, persona):
    token, _secret = create(world)
    browser = world[persona].client()
    paths = [f"/integrations/{token.pk}/"]
    if persona == "beta_admin":  # its own partner's page, without Alpha's token
        listing = browser.get("/integrations/")
        assert listing.status_code == 200 and b"PSA sync" not in listing.content
    else:
        paths += ["/integrations/", "/integrations/new/"]
    for path in paths:
        assert browser.get(path).status_code == 404, path
    assert browser.post(f"/integrations/{token.pk}/revoke/").status_code == 404
    with tenant_context(world.alpha):
        assert ServiceToken.objects.get().revoked_at is None


def test_the_tokens_page_costs_the_same_queries_for_more_tokens(world):
    admin = world["alpha_admin"].client()
    create(world)
    admin.get("/integrations/")
    with CaptureQueriesContext(connection) as one:
        admin.get("/integrations/")
    for index in range(3):
        token, _secret = create(world, name=f"Tool {index}",
                                customer=world.customer(world.alpha, "AL-0001"))
        with tenant_context(world.alpha):
            services.change_service_token_scopes(token, ["rmas:read"])
    with CaptureQueriesContext(connection) as four:
        admin.get("/integrations/")
    assert len(four) == len(one)


def test_a_restricted_integrations_ticket_tells_the_customers_people_never_itself(
        world, django_capture_on_commit_callbacks):
    from django.core import mail

    token, secret = create(world, customer=world.customer(world.alpha, "AL-0001"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client(world, secret).post("/api/v1/tickets", TICKET).status_code == 201
    recipients = {address for message in mail.outbox for address in message.to}
    assert "user1@customer.alpha.example" in recipients
    assert "agent@alpha.example" in recipients
    assert token.user.email not in recipients
    assert not any(address.endswith(".invalid") for address in recipients)


def test_an_integrations_reply_leaves_the_ticket_unassigned(world, samples):
    """The first agent who answers takes the ticket; an integration is nobody to take it."""
    _token, secret = create(world)
    sample = samples["AL-0001"]
    response = client(world, secret).post(f"/api/v1/tickets/{sample.ticket.pk}/comments",
                                          {"body": "Synced from the PSA"})
    assert response.status_code == 201
    with tenant_context(world.alpha):
        sample.ticket.refresh_from_db()
        assert sample.ticket.assignee_id is None
