"""Demo data: the vendor's staff and two partners with visibly different branding.

Idempotent: a second run finds what the first created and leaves it as it is.
"""

from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from console.crossschema import assign_csm
from console.models import CsmAssignment
from contracts.models import Contract, Customer
from contracts.services import (
    activate_contract,
    add_authorisation_letter,
    record_baseline_version,
    renew_contract,
    save_draft_contract,
)
from inventory.lens.export import export_bytes
from inventory.lens.jobs import import_now
from inventory.models import LensImport
from portal.catalogue.models import ProductModel, SparePart
from portal.site.demo import (
    AUTHORISATION_LETTERS,
    CUSTOMER_DETAILS,
    DEMO_DEVICES_PER_CUSTOMER,
    DEMO_LENS_EXPORT_DIR,
    DEMO_PASSWORD,
    PARTNERS,
    SPARE_PARTS,
    VENDOR_STAFF,
    ensure_demo_models,
)
from portal.tenants.models import Domain, Partner
from portal.tenants.schemas import partner_schema
from portal.tenants.services import ensure_vendor, schema_name_for
from portal.users.models import ApiToken, ServiceToken, User
from portal.users.services import create_api_token, create_service_token, revoke_api_token
from portal.webhooks.models import Endpoint
from portal.webhooks.services import new_secret
from reporting.demo import ensure_demo_reports
from tickets.demo import ensure_demo_tickets

CUSTOMER_FIELDS = ["address", "postal_code", "city", "country", "time_zone", "language"]


TRUE_UP_REASON = {"en": "True-up: 28 headsets added",
                  "fr": "Ajustement\u202f: 28 casques ajoutés"}


def ensure_contracts(customer, details, author, language):
    """This year's active contract; for a renewed customer, last year's too, adjusted
    mid-term and renewed into this year's. `author` signs the baseline versions, in the
    partner's `language`."""
    if customer.contracts.exists():
        return
    today = timezone.localdate()
    this_year = (date(today.year, 1, 1), date(today.year, 12, 31))
    lines = {category: (installed, growth, Decimal(price))
             for category, (installed, growth, price) in details["lines"].items()}
    terms = {"currency": "EUR", "csm_blocks_per_month": details["csm_blocks_per_month"],
             "tam_hours": details["tam_hours"],
             "professional_services_discount": Decimal("10.00")}
    if not details.get("renewed"):
        contract = save_draft_contract(
            Contract(customer=customer, start=this_year[0], end=this_year[1], **terms), lines)
        activate_contract(contract, author=author)
        return
    previous = save_draft_contract(
        Contract(customer=customer, start=date(today.year - 1, 1, 1),
                 end=date(today.year - 1, 12, 31), **terms),
        {category: (installed - 30 if category == "headsets" else installed, growth, price)
         for category, (installed, growth, price) in lines.items()},
    )
    activate_contract(previous, author=author)
    adjusted = {line.category: line.ordered for line in previous.lines.all()}
    adjusted["headsets"] += 28
    record_baseline_version(previous, effective_date=date(today.year - 1, 7, 1),
                            reason=TRUE_UP_REASON[language], author=author,
                            ordered=adjusted)
    renewal = renew_contract(previous)
    for line in renewal.lines.all():
        line.growth = lines[line.category][1]
        line.save()
    Contract.objects.filter(pk=previous.pk).update(status=Contract.Status.EXPIRED,
                                                   updated_at=timezone.now())
    activate_contract(renewal, author=author)


DEMO_TOKEN_NAME = "Demo API token"
DEMO_INTEGRATION_NAME = "PSA ticket sync"


def fresh_api_token(spec):
    """A new token for the partner's administrator (the previous demo one is revoked: a
    secret is shown once and never stored)."""
    partner = Partner.objects.get(slug=spec["slug"])
    email = next(email for email, *_rest, role in spec["staff"] if role == "partner_admin")
    with partner_schema(partner):
        admin = User.objects.get(email=email)
        for token in ApiToken.objects.filter(user=admin, name=DEMO_TOKEN_NAME,
                                             revoked_at__isnull=True):
            revoke_api_token(token)
        _token, secret = create_api_token(admin, name=DEMO_TOKEN_NAME, scope="write", days=30)
        # An integration of the partner, for its tokens page (its secret is not needed).
        if not ServiceToken.objects.filter(name=DEMO_INTEGRATION_NAME).exists():
            create_service_token(admin, name=DEMO_INTEGRATION_NAME,
                                 scopes=["tickets:write", "devices:read", "rmas:read"])
    return spec["slug"], email, secret


def write_api_tokens(tokens):
    """Left where `make run` prints them from, readable by this user only."""
    path = settings.BASE_DIR / ".data" / "demo" / "api-tokens.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{slug}\t{email}\t{secret}\n" for slug, email, secret in tokens))
    path.chmod(0o600)


def ensure_devices(partner, customer, stdout):
    """A few hundred devices for a customer that has none: a generated Poly Lens export,
    imported as a partner would (inventory.lens.jobs), which records a snapshot too. The export
    is also left in .data/demo/ to try the import page with."""
    data = export_bytes(DEMO_DEVICES_PER_CUSTOMER, site_id=customer.site_id, seed=2026,
                        french=partner.default_language == "fr")
    path = (settings.BASE_DIR / ".data" / DEMO_LENS_EXPORT_DIR
            / f"lens-export-{customer.site_id}.csv")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    stdout.write(f"Sample Poly Lens export for {customer.site_id}: {path}")
    if customer.devices.exists():
        return
    lens_import = import_now(customer, data, filename=path.name)
    if lens_import.status != LensImport.Status.SUCCEEDED:
        raise RuntimeError(f"The demo export of {customer.site_id} did not import: "
                           f"{lens_import.errors[:3]}")


def letter_pdf(lines):
    """A one-page PDF showing `lines` in Helvetica: enough to stand for a scanned letter."""
    def text(line):
        raw = line.encode("cp1252", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    content = b"BT /F1 12 Tf 72 770 Td 18 TL " + b"".join(
        b"(" + text(line) + b") Tj T* " for line in lines) + b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(pdf)


def ensure_authorisation_letter(partner, customer, uploaded_by):
    """The customer's signed letter for cloud-partner incidents, when it has none yet."""
    spec = AUTHORISATION_LETTERS.get(customer.site_id)
    if spec is None or customer.authorisation_letters.exists():
        return
    signatory, title, days_ago, valid_days = spec
    signed_on = customer.today() - timedelta(days=days_ago)
    expires_on = signed_on + timedelta(days=valid_days)
    if partner.default_language == "fr":
        lines = [f"{customer.name} (identifiant de site {customer.site_id})", "",
                 f"Nous autorisons {partner.name} à ouvrir et suivre en notre nom les",
                 "incidents auprès de nos partenaires cloud (Microsoft Teams, Zoom,",
                 "Google Meet, Webex, RingCentral).", "",
                 f"Valable du {signed_on:%d/%m/%Y} au {expires_on:%d/%m/%Y}.", "",
                 # A full no-break space: Windows-1252, the letter's, has no narrow one.
                 f"Signé\u00a0: {signatory}, {title}, le {signed_on:%d/%m/%Y}"]
    else:
        lines = [f"{customer.name} (Site ID {customer.site_id})", "",
                 f"We authorise {partner.name} to open and follow incidents with our",
                 "cloud partners (Microsoft Teams, Zoom, Google Meet, Webex, RingCentral)",
                 "on our behalf.", "",
                 f"Valid from {signed_on:%Y-%m-%d} to {expires_on:%Y-%m-%d}.", "",
                 f"Signed: {signatory}, {title}, on {signed_on:%Y-%m-%d}"]
    data = letter_pdf(lines)
    add_authorisation_letter(
        customer, file=ContentFile(data, name=f"authorisation-{customer.site_id}.pdf"),
        signatory=signatory, signatory_title=title, signed_on=signed_on,
        expires_on=expires_on, uploaded_by=uploaded_by)


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
        tokens = []
        for spec in PARTNERS:
            # What the services write (an initial baseline's reason, a ticket's history)
            # is in the partner's language, as its own staff would have written it.
            with translation.override(spec["branding"]["default_language"]):
                self.ensure_partner(spec, partner_domain_suffix)
            tokens.append(fresh_api_token(spec))
        write_api_tokens(tokens)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def ensure_catalogue(self):
        ensure_demo_models()
        models_by_sku = ProductModel.objects.in_bulk(field_name="sku")
        for part_number, description, skus in SPARE_PARTS:
            with transaction.atomic():
                part, created = SparePart.objects.get_or_create(
                    part_number=part_number, defaults={"description": description})
                if created:
                    part.compatible_models.set([models_by_sku[sku] for sku in skus])

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
        with partner_schema(partner), transaction.atomic():
            staff = {role: ensure_user(email, first, last, role)
                     for email, first, last, role in spec["staff"]}
            for name, site_id, email, first, last in spec["customers"]:
                details = CUSTOMER_DETAILS[site_id]
                customer, _ = Customer.objects.get_or_create(site_id=site_id, defaults={
                    "name": name, **{key: details[key] for key in CUSTOMER_FIELDS}})
                ensure_user(email, first, last, "customer_user", customer=customer)
                ensure_contracts(customer, details, staff["partner_admin"].display_name,
                                 partner.default_language)
                ensure_authorisation_letter(partner, customer,
                                            uploaded_by=staff["partner_agent"])
        if partner.status != Partner.Status.ACTIVE:
            Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.ACTIVE)
        with partner_schema(partner):
            for _name, site_id, *_rest in spec["customers"]:
                ensure_devices(partner, Customer.objects.get(site_id=site_id), self.stdout)
        with partner_schema(partner):
            ensure_demo_tickets(
                headset_rmas_over_threshold=spec.get("headset_rmas_over_threshold", 0),
                language=partner.default_language)
        for _name, site_id, *_rest in spec["customers"]:
            with partner_schema(partner):
                customer = Customer.objects.get(site_id=site_id)
            csm = User.objects.get(email=CUSTOMER_DETAILS[site_id]["csm"])
            if not CsmAssignment.objects.filter(partner=partner,
                                                customer_id=customer.pk).exists():
                assign_csm(partner, customer.pk, csm)
        names = {email: f"{first} {last}" for email, first, last, _role in VENDOR_STAFF}
        csm_by_site_id = {
            site_id: (names[CUSTOMER_DETAILS[site_id]["csm"]], CUSTOMER_DETAILS[site_id]["csm"])
            for _name, site_id, *_rest in spec["customers"]}
        with partner_schema(partner):
            ensure_demo_reports(csm_by_site_id, spec.get("true_up_customer"),
                                language=partner.default_language)
            if spec.get("webhook") and not Endpoint.objects.exists():
                url, events = spec["webhook"]
                Endpoint.objects.create(url=url, events=events, secret=new_secret(),
                                        description="Service desk")
