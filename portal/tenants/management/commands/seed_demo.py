"""Demo data: the vendor's staff and two partners with visibly different branding.

Idempotent: a second run finds what the first created and leaves it as it is.
"""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from contracts.models import Customer
from portal.catalogue.models import ProductModel
from portal.demo import CATALOGUE, DEMO_PASSWORD, PARTNERS, VENDOR_STAFF
from portal.tenants.models import Domain, Partner
from portal.tenants.services import ensure_vendor, schema_name_for
from portal.users.models import User


def ensure_user(email, first_name, last_name, role, customer=None):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name, role=role,
                    customer=customer)
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
    return user


class Command(BaseCommand):
    help = "Loads the demo partners, customers and users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--console-domain", default="localhost")
        parser.add_argument("--partner-domain-suffix", default="localhost")

    def handle(self, *args, console_domain, partner_domain_suffix, **options):
        ensure_vendor(console_domain)
        with transaction.atomic():
            for email, first, last, role in VENDOR_STAFF:
                ensure_user(email, first, last, role)
        self.ensure_catalogue()
        for spec in PARTNERS:
            self.ensure_partner(spec, partner_domain_suffix)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def ensure_catalogue(self):
        fields = ["name", "family", "category", "quote_only_line", "end_of_life",
                  "end_of_service", "list_price", "current_firmware"]
        for sku, *values in CATALOGUE:
            defaults = dict(zip(fields, values, strict=True))
            ProductModel.objects.get_or_create(sku=sku, defaults=defaults)

    def ensure_partner(self, spec, suffix):
        partner = Partner.objects.filter(slug=spec["slug"]).first()
        if partner is None:
            partner = Partner.objects.create(
                slug=spec["slug"], name=spec["name"], schema_name=schema_name_for(spec["slug"]),
                status=Partner.Status.PROVISIONING, **spec["branding"],
            )
            Domain.objects.create(domain=f"{spec['slug']}.{suffix}", tenant=partner,
                                  is_primary=True)
        partner.create_schema(check_if_exists=True, verbosity=0)
        with schema_context(partner.schema_name), transaction.atomic():
            for email, first, last, role in spec["staff"]:
                ensure_user(email, first, last, role)
            for name, site_id, email, first, last in spec["customers"]:
                customer, _ = Customer.objects.get_or_create(site_id=site_id,
                                                             defaults={"name": name})
                ensure_user(email, first, last, "customer_user", customer=customer)
        if partner.status != Partner.Status.ACTIVE:
            Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.ACTIVE)
