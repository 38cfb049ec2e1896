"""Demo data: the vendor's staff and two partners with visibly different branding.

Idempotent: a second run finds what the first created and leaves it as it is.
"""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from contracts.models import Customer
from portal.tenants.models import Domain, Partner
from portal.tenants.services import ensure_vendor, schema_name_for
from portal.users.models import Role, User

DEMO_PASSWORD = "polyplus-demo-2026"

VENDOR_STAFF = [
    ("admin@polyplus.example", "Vera", "Lindqvist", Role.VENDOR_ADMIN),
    ("csm.north@polyplus.example", "Camille", "Moreau", Role.CSM),
    ("csm.south@polyplus.example", "Daniel", "Okafor", Role.CSM),
    ("support@polyplus.example", "Sam", "Reyes", Role.SUPPORT_ENGINEER),
]

PARTNERS = [
    {
        "slug": "northwind",
        "name": "Northwind Unified Communications",
        "branding": {
            "primary_colour": "#1d3f8f", "accent_colour": "#f59e0b",
            "support_phone": "+44 20 7946 0101", "support_email": "help@northwind-uc.example",
            "email_sender_name": "Northwind UC Support", "default_language": "en",
        },
        "staff": [
            ("admin@northwind-uc.example", "Olivia", "Grant", Role.PARTNER_ADMIN),
            ("agent@northwind-uc.example", "Harry", "Patel", Role.PARTNER_AGENT),
        ],
        "customers": [
            ("Contoso Pharmaceuticals", "NW-100201", "it@contoso-pharma.example", "Ian", "Brooks"),
            ("Fabrikam Logistics", "NW-100202", "helpdesk@fabrikam.example", "Maya", "Singh"),
        ],
    },
    {
        "slug": "azur",
        "name": "Azur Télécom Services",
        "branding": {
            "primary_colour": "#0f766e", "accent_colour": "#9333ea",
            "support_phone": "+33 1 70 36 01 02", "support_email": "support@azur-telecom.example",
            "email_sender_name": "Azur Télécom — Assistance", "default_language": "fr",
        },
        "staff": [
            ("admin@azur-telecom.example", "Élise", "Fournier", Role.PARTNER_ADMIN),
            ("agent@azur-telecom.example", "Julien", "Marchand", Role.PARTNER_AGENT),
        ],
        "customers": [
            ("Hôpital Saint-Vincent", "AZ-200301", "dsi@hopital-st-vincent.example", "Claire",
             "Dubois"),
            ("Lycée Jean Moulin", "AZ-200302", "informatique@lycee-moulin.example", "Hugo",
             "Lefèvre"),
        ],
    },
]


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
        for spec in PARTNERS:
            self.ensure_partner(spec, partner_domain_suffix)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

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
                ensure_user(email, first, last, Role.CUSTOMER_USER, customer=customer)
        if partner.status != Partner.Status.ACTIVE:
            Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.ACTIVE)
