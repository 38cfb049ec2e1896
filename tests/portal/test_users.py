import re

from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from portal.users.models import Role, User


def invite(client, callbacks_fixture, **data):
    with callbacks_fixture(execute=True):
        return client.post("/users/invite/", data)


def accept_link(message):
    return re.search(r"http://[^/\s]+(/invitation/\S+/)", message.body).group(1)


def test_partner_admin_invites_an_agent_who_activates_the_account(
    world, django_capture_on_commit_callbacks
):
    admin = world["alpha_admin"].client()
    response = invite(admin, django_capture_on_commit_callbacks, email="Nina@alpha.example",
                      first_name="Nina", last_name="Kaur", role="partner_agent", language="")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nina@alpha.example"]
    assert "Alpha Communications" in message.subject
    path = accept_link(message)

    visitor = Client(HTTP_HOST="alpha.localhost")
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, {"first_name": "Nina", "last_name": "Kaur",
                                   "password1": "a-long-passphrase-77",
                                   "password2": "a-long-passphrase-77"})
    assert response.status_code == 302
    assert visitor.get("/").status_code == 200
    # The link is single-use.
    assert Client(HTTP_HOST="alpha.localhost").get(path).status_code == 404
    with tenant_context(world.alpha):
        assert User.objects.get(email="nina@alpha.example").has_usable_password()


def test_an_invitation_link_only_works_on_its_own_portal(world, django_capture_on_commit_callbacks):
    admin = world["alpha_admin"].client()
    invite(admin, django_capture_on_commit_callbacks, email="omar@alpha.example",
           role="partner_agent")
    path = accept_link(mail.outbox[0])
    assert Client(HTTP_HOST="beta.localhost").get(path).status_code == 404


def test_a_customer_user_must_belong_to_a_customer(world):
    admin = world["alpha_admin"].client()
    response = admin.post("/users/invite/", {"email": "c@alpha.example", "role": "customer_user"})
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    with tenant_context(world.alpha):
        assert not User.objects.filter(email="c@alpha.example").exists()


def test_customer_user_invitation_binds_the_customer(world, django_capture_on_commit_callbacks):
    customer = world.customer(world.alpha, "AL-0002")
    admin = world["alpha_admin"].client()
    invite(admin, django_capture_on_commit_callbacks, email="dana@two.example",
           role="customer_user", customer=customer.pk, language="fr")
    with tenant_context(world.alpha):
        user = User.objects.get(email="dana@two.example")
        assert user.customer_id == customer.pk
    # The invitee asked for French: the e-mail is in French.
    assert "Choisissez votre mot de passe" in mail.outbox[0].body


def test_a_duplicate_email_is_refused(world):
    admin = world["alpha_admin"].client()
    response = admin.post("/users/invite/", {"email": "AGENT@alpha.example",
                                             "role": "partner_agent"})
    assert "email" in response.context["form"].errors


def test_the_console_invites_vendor_staff_only(world):
    client = world["vendor_admin"].client()
    response = client.get("/staff/invite/")
    roles = [value for value, _ in response.context["form"].fields["role"].choices]
    assert roles == [Role.VENDOR_ADMIN, Role.CSM, Role.SUPPORT_ENGINEER]
    response = client.post("/staff/invite/", {"email": "x@vendor.example",
                                              "role": "partner_admin"})
    assert "role" in response.context["form"].errors


def test_partner_user_list_never_shows_another_partners_users(world):
    response = world["alpha_admin"].client().get("/users/")
    emails = {user.email for user in response.context["users"]}
    assert "admin@alpha.example" in emails
    assert not any(email.endswith("beta.example") for email in emails)
    assert "vendor.admin@vendor.example" not in emails


def test_an_admin_cannot_demote_themselves(world):
    person = world["alpha_admin"]
    response = person.client().post(f"/users/{person.user.pk}/", {
        "first_name": "A", "last_name": "B", "role": "partner_agent", "is_active": "on"})
    assert response.status_code == 200
    with tenant_context(world.alpha):
        assert User.objects.get(pk=person.user.pk).role == Role.PARTNER_ADMIN


def test_a_deactivated_user_can_no_longer_log_in(world):
    agent = world["alpha_agent"]
    world["alpha_admin"].client().post(f"/users/{agent.user.pk}/", {
        "first_name": "Agent", "last_name": "", "role": "partner_agent"})
    response = Client(HTTP_HOST="alpha.localhost").post(
        "/accounts/login/", {"login": "agent@alpha.example", "password": "correct-horse-battery"})
    assert response.status_code != 302 or "inactive" in response["Location"]


def test_editing_a_user_of_another_partner_is_404(world):
    with tenant_context(world.beta):
        beta_agent_pk = User.objects.get(email="agent@beta.example").pk
    with tenant_context(world.alpha):
        alpha_pks = set(User.objects.values_list("pk", flat=True))
    response = world["alpha_admin"].client().get(f"/users/{beta_agent_pk}/")
    expected = 200 if beta_agent_pk in alpha_pks else 404
    assert response.status_code == expected
    if expected == 200:
        # The same number is one of Alpha's own users, never Beta's.
        assert b"agent@beta.example" not in response.content
    assert world["alpha_admin"].client().get("/users/999999/").status_code == 404


def test_profile_language_preference_applies(world):
    client = world["alpha_agent"].client()
    client.post("/profile/", {"first_name": "Agent", "last_name": "X", "language": "fr"})
    assert "Tableau de bord" in client.get("/").content.decode()


def test_vendor_admin_invites_a_csm_to_the_console(world, django_capture_on_commit_callbacks):
    client = world["vendor_admin"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/invite/", {"email": "new.csm@vendor.example",
                                                  "role": "csm"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert "Poly+ Enterprise" in message.subject
    assert "http://localhost/invitation/" in message.body
    path = accept_link(message)
    visitor = Client(HTTP_HOST="localhost")
    response = visitor.post(path, {"first_name": "New", "last_name": "CSM",
                                   "password1": "another-long-phrase-42",
                                   "password2": "another-long-phrase-42"})
    assert response.status_code == 302
    # A CSM must enrol a second factor before using the console.
    response = visitor.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
