"""A sender address per partner, set by the vendor in the console: the partner's e-mails
come from it under its sender name; the envelope sender's domain is a setting; without an
address, the programme's stays."""

from django.core import mail
from django.test import override_settings
from django_tenants.utils import tenant_context

from portal.tenants.models import Partner
from tickets import services


def open_ticket(world):
    world.alpha.refresh_from_db()  # as a request would load it
    with tenant_context(world.alpha):
        return services.open_ticket(
            user=world["alpha_customer1"].user, customer=world.customer(world.alpha, "AL-0001"),
            subject="No dial tone", description="Desk phone", category="technical",
            priority="P3")


def set_sender(world, address, slug="alpha", client=None):
    client = client or world["vendor_admin"].client()
    return client.post(f"/partners/{slug}/sender/", {"email_sender_address": address})


def test_the_vendor_sets_a_partners_sender_and_its_e_mails_use_it(
        world, django_capture_on_commit_callbacks):
    assert set_sender(world, " Support@Alpha-Mail.example ").status_code == 302
    assert Partner.objects.get(slug="alpha").email_sender_address == \
        "support@alpha-mail.example"
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    assert mail.outbox
    for message in mail.outbox:
        assert message.from_email == "Alpha Support <support@alpha-mail.example>"
        assert message.message()["From"] == "Alpha Support <support@alpha-mail.example>"


def test_without_an_address_the_programmes_is_used(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    assert {message.from_email for message in mail.outbox} == {
        "Alpha Support <no-reply@polyplus.example>"}


@override_settings(EMAIL_ENVELOPE_DOMAIN="bounces.polyplus.example")
def test_the_envelope_sender_is_on_the_configured_domain(world,
                                                         django_capture_on_commit_callbacks):
    set_sender(world, "support@alpha-mail.example")
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    message = mail.outbox[0]
    assert message.from_email == "bounces+alpha@bounces.polyplus.example"  # the envelope
    assert message.message()["From"] == "Alpha Support <support@alpha-mail.example>"


def test_an_invalid_or_another_partners_address_is_refused(world):
    set_sender(world, "support@beta-mail.example", slug="beta")
    client = world["vendor_admin"].client()
    response = set_sender(world, "support@beta-mail.example", client=client)
    assert response.status_code == 302
    assert Partner.objects.get(slug="alpha").email_sender_address == ""
    page = client.get(response.url).content.decode()
    assert "Another partner already sends from support@beta-mail.example" in page
    set_sender(world, "Support <support@alpha-mail.example>\nBcc: x@example.com")
    assert Partner.objects.get(slug="alpha").email_sender_address == ""


def test_only_the_vendors_administrators_set_it(world):
    for persona in ("csm", "support_engineer"):
        assert world[persona].client().post(
            "/partners/alpha/sender/", {"email_sender_address": "x@alpha.example"}
        ).status_code == 404
    assert Partner.objects.get(slug="alpha").email_sender_address == ""
    # Partner users cannot reach the console at all.
    response = world["alpha_admin"].client().post(
        "/partners/alpha/sender/", {"email_sender_address": "x@alpha.example"})
    assert response.status_code == 404
    assert Partner.objects.get(slug="alpha").email_sender_address == ""
