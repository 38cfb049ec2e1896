"""The customer's CSM hears when the partner accepts or declines a true-up quote: once, in
the vendor's brand and the CSM's language, with a link to the customer in the console."""

from django.core import mail
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from console.crossschema import assign_csm
from portal.users.models import User
from reporting import services
from tests.reporting.conftest import OCTOBER


def issued(reported, world):
    report = services.generate_report(reported["customer"], OCTOBER)
    return services.issue_quote(report, world["csm"].user, notify=False)


def to_csm():
    return [message for message in mail.outbox if message.to == ["csm@vendor.example"]]


def test_the_csm_hears_of_an_accepted_quote_once(reported, world,
                                                  django_capture_on_commit_callbacks):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    quote = issued(reported, world)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.accept_quote(quote, world["alpha_admin"].user, "PO-4711")
    [message] = to_csm()
    assert message.subject == f"True-up quote {quote.reference} accepted · " \
        f"{reported['customer'].name}"
    assert "PO-4711" in message.body and "Alpha Communications" in message.body
    assert f"/customers/alpha/{reported['customer'].pk}/" in message.body
    assert "Poly+ Enterprise" in message.from_email  # the vendor's, not the partner's
    assert len(mail.outbox) == 1


def test_the_csm_hears_of_a_declined_quote_in_their_language(
        reported, world, django_capture_on_commit_callbacks):
    with schema_context(get_public_schema_name()):
        User.objects.filter(pk=world["csm"].user.pk).update(language="fr")
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    quote = issued(reported, world)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.decline_quote(quote, world["alpha_admin"].user, "Devices are being retired")
    [message] = to_csm()
    assert quote.reference in message.subject and "refusé" in message.subject
    assert "Devices are being retired" in message.body


def test_no_csm_no_e_mail(reported, world, django_capture_on_commit_callbacks):
    quote = issued(reported, world)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.accept_quote(quote, world["alpha_admin"].user, "PO-4711")
    assert mail.outbox == []

