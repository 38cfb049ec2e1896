import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from tests.personas import PASSWORD
from tests.portal.test_branding import brand_colours


def login(host, email, password=PASSWORD):
    client = Client(HTTP_HOST=host)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return client, response


def test_a_partner_user_logs_in_on_their_own_portal(world):
    client, response = login("alpha.localhost", "agent@alpha.example")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_partner_user_cannot_log_in_on_another_partners_portal(world):
    client, response = login("beta.localhost", "agent@alpha.example")
    assert response.status_code == 200
    assert "incorrect" in response.content.decode().lower() or response.context["form"].errors
    assert client.get("/").status_code == 302


def test_vendor_staff_cannot_log_in_on_a_partner_portal(world):
    _, response = login("alpha.localhost", "vendor.admin@vendor.example")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_partner_users_cannot_log_in_on_the_console(world):
    _, response = login("localhost", "admin@alpha.example")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_session_of_partner_a_is_worth_nothing_on_partner_b(world):
    alpha_client = world["alpha_agent"].client()
    cookie = alpha_client.cookies["portal_session"].value
    beta_client = Client(HTTP_HOST="beta.localhost")
    beta_client.cookies["portal_session"] = cookie
    response = beta_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_partner_portals_do_not_serve_console_routes(world):
    client = world["alpha_admin"].client()
    for path in ("/partners/", "/partners/new/", "/partners/alpha/", "/staff/"):
        assert client.get(path).status_code == 404, path


def test_the_console_does_not_serve_partner_routes(world):
    client = world["vendor_admin"].client()
    for path in ("/customers/", "/users/", "/branding/"):
        assert client.get(path).status_code == 404, path


def test_unknown_hosts_get_404(world):
    assert Client(HTTP_HOST="gamma.localhost").get("/accounts/login/").status_code == 404


def test_failed_logins_are_rate_limited(world):
    client = Client(HTTP_HOST="alpha.localhost")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "agent@alpha.example", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "agent@alpha.example",
                                                 "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "too many" in response.content.decode().lower()
    assert client.get("/").status_code == 302


def test_login_page_is_branded(world):
    client = Client(HTTP_HOST="alpha.localhost")
    body = client.get("/accounts/login/").content.decode()
    assert "Alpha Communications" in body
    assert "--brand-primary: #123456" in brand_colours(client, body)
    assert "Beta" not in body


def test_sign_up_is_closed(world):
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/accounts/signup/", {"email": "new@alpha.example", "password1": "x" * 12,
                              "password2": "x" * 12})
    with tenant_context(world.alpha):
        from portal.users.models import User

        assert not User.objects.filter(email="new@alpha.example").exists()
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["alpha_admin", "vendor_admin", "csm", "support_engineer"])
def test_mfa_is_required_for_vendor_staff_and_partner_admins(world, persona):
    person = world[persona]
    with tenant_context(person.tenant):
        Authenticator.objects.filter(user=person.user).delete()
    response = person.client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_mfa_is_optional_for_agents_and_customer_users(world):
    assert world["alpha_agent"].client().get("/").status_code == 200
    assert world["alpha_customer1"].client().get("/").status_code == 200


def test_mfa_enrolment_page_is_offered_to_agents(world):
    client, _ = login("alpha.localhost", "agent@alpha.example")
    response = client.get("/accounts/2fa/totp/activate/")
    # Enrolling a second factor asks for the password once more.
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert b"Alpha Communications" in response.content


def test_password_reset_email_carries_the_partner_branding(
    world, django_capture_on_commit_callbacks
):
    client = Client(HTTP_HOST="beta.localhost")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "agent@beta.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Beta Assistance" in message.from_email
    assert "Beta Réseaux" in message.body
    assert "beta.localhost" in message.body
    html = message.alternatives[0][0]
    assert "#654321" in html and "Beta Réseaux" in html
    assert "Alpha" not in message.body + html
    assert message.reply_to == ["aide@beta.example"]
    # Beta's default language is French.
    assert "Bonjour" in message.body or "mot de passe" in message.body.lower()


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_answers_the_same(
    world, django_capture_on_commit_callbacks
):
    answers = {}
    for email in ("agent@beta.example", "stranger@elsewhere.example"):
        client = Client(HTTP_HOST="beta.localhost")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": email})
        page = client.get(response["Location"]).content.decode()
        answers[email] = (response.status_code, response["Location"],
                          re.sub(r"[A-Za-z0-9]{64}", "(CSRF token)", page))
    assert [message.to for message in mail.outbox] == [["agent@beta.example"]]
    known, unknown = answers.values()
    assert known == unknown
