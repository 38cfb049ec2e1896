"""The people and places every test talks about.

Vendor console on `localhost`; partner Alpha (English) on `alpha.localhost` with two
customers; partner Beta (French) on `beta.localhost` with two, the second under an active
headsets contract.
"""

from dataclasses import dataclass

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from contracts.models import Customer
from portal.catalogue.models import ProductModel
from portal.tenants.models import Domain, Partner
from portal.tenants.services import ensure_vendor
from portal.users.models import Role, User

PASSWORD = "correct-horse-battery"
CONSOLE_HOST = "localhost"

PARTNER_SPECS = {
    "alpha": {
        "name": "Alpha Communications", "primary_colour": "#123456", "accent_colour": "#abcdef",
        "support_email": "help@alpha.example", "support_phone": "+44 20 0000 0001",
        "email_sender_name": "Alpha Support", "default_language": "en",
        "customers": [("Alpha Customer One", "AL-0001"), ("Alpha Customer Two", "AL-0002")],
    },
    "beta": {
        "name": "Beta Réseaux", "primary_colour": "#654321", "accent_colour": "#fedcba",
        "support_email": "aide@beta.example", "support_phone": "+33 1 00 00 00 02",
        "email_sender_name": "Beta Assistance", "default_language": "fr",
        # The second customer holds an active headsets contract (see create_world).
        "customers": [("Beta Client Un", "BE-0001"), ("Beta Client Deux", "BE-0002")],
    },
}


def _user(email, role, customer=None, mfa=False, password=PASSWORD):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, role=role, customer=customer,
                    first_name=email.split("@")[0].split(".")[0].title())
        user.set_password(password)
        user.save()
    if mfa and not user.authenticator_set.exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def _active_headsets_contract(customer):
    from datetime import date
    from decimal import Decimal

    from tests.factories import ContractFactory

    if customer.contracts.exists():
        return
    ContractFactory(customer=customer, start=date(2026, 1, 1), end=date(2027, 12, 31),
                    lines={"headsets": (10, 0, Decimal("20.00"))})


def create_world():
    ensure_vendor(CONSOLE_HOST)
    ProductModel.objects.get_or_create(
        sku="VOY-TEST", defaults={"name": "Voyager Test", "family": "Voyager",
                                  "category": "headsets", "list_price": "100.00"})
    with schema_context("public"):
        _user("vendor.admin@vendor.example", Role.VENDOR_ADMIN, mfa=True)
        _user("csm@vendor.example", Role.CSM, mfa=True)
        _user("engineer@vendor.example", Role.SUPPORT_ENGINEER, mfa=True)
    for slug, spec in PARTNER_SPECS.items():
        partner = Partner.objects.filter(slug=slug).first()
        if partner is None:
            partner = Partner.objects.create(
                slug=slug, schema_name=slug, status=Partner.Status.ACTIVE,
                **{k: v for k, v in spec.items() if k != "customers"},
            )
            Domain.objects.create(domain=f"{slug}.localhost", tenant=partner, is_primary=True)
        partner.create_schema(check_if_exists=True, verbosity=0)
        with tenant_context(partner):
            _user(f"admin@{slug}.example", Role.PARTNER_ADMIN, mfa=True)
            _user(f"agent@{slug}.example", Role.PARTNER_AGENT)
            # Invited, has not chosen a password yet.
            _user(f"invitee@{slug}.example", Role.PARTNER_AGENT, password=None)
            for index, (name, site_id) in enumerate(spec["customers"], start=1):
                customer, _ = Customer.objects.get_or_create(site_id=site_id,
                                                             defaults={"name": name})
                _user(f"user{index}@customer.{slug}.example", Role.CUSTOMER_USER,
                      customer=customer)
            if slug == "beta":
                _active_headsets_contract(Customer.objects.get(site_id="BE-0002"))


@dataclass
class Persona:
    user: User
    tenant: Partner

    @property
    def host(self):
        return self.tenant.primary_domain

    def client(self):
        """A browser session logged in as this persona on its own portal."""
        client = Client(HTTP_HOST=self.host)
        with tenant_context(self.tenant):
            client.force_login(self.user)
        return client


@dataclass
class World:
    vendor: Partner
    alpha: Partner
    beta: Partner
    people: dict

    @classmethod
    def load(cls):
        vendor = Partner.objects.get(schema_name="public")
        alpha = Partner.objects.get(slug="alpha")
        beta = Partner.objects.get(slug="beta")
        people = {}
        with tenant_context(vendor):
            for key, email in [("vendor_admin", "vendor.admin@vendor.example"),
                               ("csm", "csm@vendor.example"),
                               ("support_engineer", "engineer@vendor.example")]:
                people[key] = Persona(User.objects.get(email=email), vendor)
        for tenant in (alpha, beta):
            with tenant_context(tenant):
                slug = tenant.slug
                people[f"{slug}_admin"] = Persona(
                    User.objects.get(email=f"admin@{slug}.example"), tenant)
                people[f"{slug}_agent"] = Persona(
                    User.objects.get(email=f"agent@{slug}.example"), tenant)
                for user in User.objects.filter(role=Role.CUSTOMER_USER).select_related(
                    "customer"
                ).order_by("email"):
                    index = user.email.split("@")[0].removeprefix("user")
                    people[f"{slug}_customer{index}"] = Persona(user, tenant)
        return cls(vendor, alpha, beta, people)

    def __getitem__(self, key):
        return self.people[key]

    def anonymous(self, tenant):
        return Client(HTTP_HOST=tenant.primary_domain)

    def customer(self, tenant, site_id):
        with tenant_context(tenant):
            return Customer.objects.get(site_id=site_id)
