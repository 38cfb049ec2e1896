"""Who may call the API: a token of this portal, or the portal's own signed-in session with
its CSRF token for changes. A token acts as its user, with the user's role."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django_tenants.utils import tenant_context

from tests.api.conftest import ApiClient, make_token

TICKET = {"site_id": "AL-0001", "subject": "No audio", "description": "Since Monday"}


def test_without_credentials_the_api_asks_for_them(world, anonymous):
    response = anonymous.get("/api/v1/tickets")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["title"] == "Authentication required"


def test_another_scheme_or_a_malformed_token_is_refused(world):
    for header in ("Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer not-a-token",
                   "Token " + make_token(world["alpha_agent"])):
        client = Client(HTTP_HOST=world.alpha.primary_domain)
        response = client.get("/api/v1/devices", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_token_acts_as_its_user(world, api, samples):
    customer = api("alpha_customer1").get("/api/v1/tickets").json()
    assert {item["customer"]["site_id"] for item in customer["items"]} == {"AL-0001"}
    agent = api("alpha_agent").get("/api/v1/tickets").json()
    assert {item["customer"]["site_id"] for item in agent["items"]} == {"AL-0001", "AL-0002"}


def test_a_token_carries_its_user_into_the_change_history(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", TICKET)
    assert response.status_code == 201
    with tenant_context(world.alpha):
        from tickets.models import Ticket

        record = Ticket.objects.get(pk=response.json()["id"]).history.first()
        assert record.history_user == world["alpha_agent"].user


def test_a_read_only_token_reads_but_may_not_write(world, api):
    reader = api("alpha_agent", scope="read")
    assert reader.get("/api/v1/tickets").status_code == 200
    response = reader.post("/api/v1/tickets", TICKET)
    assert response.status_code == 403
    problem = response.json()
    assert problem["type"] == "/api/v1/problems/insufficient-scope"
    assert "read-only" in problem["detail"]
    with tenant_context(world.alpha):
        from tickets.models import Ticket

        assert not Ticket.objects.exists()


def test_the_portal_session_reads_the_api(world):
    response = world["alpha_customer1"].client().get("/api/v1/devices")
    assert response.status_code == 200


def test_the_portal_session_needs_the_csrf_token_to_write(world):
    client = world["alpha_agent"].client()
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/tickets", TICKET, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["type"] == "/api/v1/problems/csrf-failed"
    page = client.get("/profile/tokens/new/")
    token = page.context["csrf_token"]
    response = client.post("/api/v1/tickets", TICKET, content_type="application/json",
                           headers={"X-CSRFToken": str(token)})
    assert response.status_code == 201


def test_a_token_needs_no_csrf_token(world):
    client = ApiClient(world.alpha.primary_domain, make_token(world["alpha_agent"]))
    client.client.handler.enforce_csrf_checks = True
    assert client.post("/api/v1/tickets", TICKET).status_code == 201


def test_an_authorization_header_is_judged_alone(world):
    """A bad token with a valid session cookie beside it is still a bad token."""
    client = world["alpha_agent"].client()
    response = client.get("/api/v1/devices", headers={"Authorization": "Bearer ppe_nope"})
    assert response.status_code == 401


def test_anonymous_writes_are_asked_to_authenticate_not_for_csrf(world):
    client = Client(HTTP_HOST=world.alpha.primary_domain, enforce_csrf_checks=True)
    response = client.post("/api/v1/tickets", TICKET, content_type="application/json")
    assert response.status_code == 401


def guess(world, forwarded_for):
    client = Client(HTTP_HOST=world.alpha.primary_domain, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.get("/api/v1/devices", headers={"Authorization": "Bearer ppe_guess"})


def test_unknown_tokens_are_counted_per_client_address_behind_a_trusted_proxy(world,
                                                                           settings):
    settings.API_RATE_LIMIT, settings.TRUSTED_PROXY_COUNT = "3/min", 1
    codes = [guess(world, "203.0.113.7").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert guess(world, "198.51.100.20").status_code == 401


def test_without_a_trusted_proxy_a_forged_address_does_not_escape_the_count(world, settings):
    settings.API_RATE_LIMIT, settings.TRUSTED_PROXY_COUNT = "3/min", 0
    for _ in range(3):
        guess(world, "203.0.113.7")
    refused = guess(world, "198.51.100.20")
    assert refused.status_code == 429
    assert refused["Retry-After"]


def test_a_token_of_a_user_who_must_enrol_a_second_factor_is_refused_until_they_do(world, api):
    person = world["alpha_admin"]
    client = api("alpha_admin")  # made before the second factor was required of them
    with tenant_context(person.tenant):
        Authenticator.objects.filter(user=person.user).delete()
    for response in (client.get("/api/v1/devices"), client.post("/api/v1/tickets", TICKET)):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/api/v1/problems/second-factor-required"
        assert "enrol a second factor" in problem["detail"].lower()
    french = client.get("/api/v1/devices", **{"Accept-Language": "fr"}).json()
    assert "second facteur" in french["detail"]
    with tenant_context(person.tenant):
        TOTP.activate(person.user, generate_totp_secret())
    assert client.get("/api/v1/devices").status_code == 200


def test_a_token_of_a_user_not_required_to_enrol_works_without_a_second_factor(world, api,
                                                                               settings):
    assert api("alpha_agent").get("/api/v1/devices").status_code == 200
    settings.MFA_REQUIRED = False
    person = world["alpha_admin"]
    with tenant_context(person.tenant):
        Authenticator.objects.filter(user=person.user).delete()
    assert api("alpha_admin").get("/api/v1/devices").status_code == 200
