from django.core.management import call_command
from django_tenants.utils import schema_context

from contracts.models import Customer
from portal.tenants.models import Domain, Partner
from portal.users.models import Role, User


def counts():
    result = {"partners": Partner.objects.count(), "domains": Domain.objects.count()}
    with schema_context("public"):
        result["vendor_staff"] = User.objects.count()
    for schema in ("northwind", "azur"):
        with schema_context(schema):
            result[schema] = (User.objects.count(), Customer.objects.count())
    return result


def test_seed_demo_loads_every_role_and_is_idempotent(db):
    call_command("seed_demo", "--console-domain", "localhost")
    first = counts()
    call_command("seed_demo", "--console-domain", "localhost")
    assert counts() == first

    northwind = Partner.objects.get(slug="northwind")
    azur = Partner.objects.get(slug="azur")
    assert northwind.status == azur.status == Partner.Status.ACTIVE
    assert azur.default_language == "fr" and northwind.default_language == "en"
    assert northwind.primary_colour != azur.primary_colour
    with schema_context("public"):
        roles = sorted(User.objects.filter(email__endswith="polyplus.example")
                       .values_list("role", flat=True))
    assert roles == sorted([Role.VENDOR_ADMIN, Role.CSM, Role.CSM, Role.SUPPORT_ENGINEER])
    for schema in ("northwind", "azur"):
        with schema_context(schema):
            assert set(User.objects.values_list("role", flat=True)) == {
                Role.PARTNER_ADMIN, Role.PARTNER_AGENT, Role.CUSTOMER_USER}
            assert Customer.objects.count() == 2
            for customer in Customer.objects.all():
                assert customer.users.filter(role=Role.CUSTOMER_USER).exists()
