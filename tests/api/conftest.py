"""API clients for the personas: each with a personal token of its own portal."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.catalogue.models import ProductModel
from portal.users import services as user_services
from portal.webhooks.models import Delivery, Endpoint
from tests.factories import ContractFactory, DeviceFactory
from tests.inventory.conftest import alpha_contract, catalogue  # noqa: F401 (shared fixtures)


class ApiClient:
    """A tool calling the API of one portal with one token (or none)."""

    def __init__(self, host, secret=None, **headers):
        self.client = Client(HTTP_HOST=host)
        self.headers = dict(headers)
        if secret:
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path, params=None, **headers):
        return self.client.get(path, params or {}, headers={**self.headers, **headers})

    def post(self, path, data=None, **headers):
        return self.client.post(path, json.dumps(data if data is not None else {}),
                                content_type="application/json",
                                headers={**self.headers, **headers})

    def patch(self, path, data=None, **headers):
        return self.client.patch(path, json.dumps(data if data is not None else {}),
                                 content_type="application/json",
                                 headers={**self.headers, **headers})

    def upload(self, path, data, **headers):
        """A multipart/form-data POST (files as SimpleUploadedFile values)."""
        return self.client.post(path, data, headers={**self.headers, **headers})


def make_token(person, scope="write", days=30):
    with tenant_context(person.tenant):
        _token, secret = user_services.create_api_token(person.user, name="Test tool",
                                                        scope=scope, days=days)
    return secret


@pytest.fixture
def api(world):
    """api("alpha_agent") → a client with a fresh read-and-write token of that persona."""
    def client(persona, scope="write", host=None, **headers):
        person = world[persona]
        return ApiClient(host or person.host, make_token(person, scope), **headers)
    return client


@pytest.fixture
def anonymous(world):
    return ApiClient(world.alpha.primary_domain)


def active_contract(customer, categories=("headsets",), ordered=20):
    """An active contract in force today, with its first baseline version."""
    today = timezone.localdate()
    return ContractFactory(customer=customer, start=today - timedelta(days=60),
                           end=today + timedelta(days=300),
                           lines={category: (ordered, 0, Decimal("24.00"))
                                  for category in categories})


@pytest.fixture
def installed(world):
    """Alpha: both customers under an active headsets contract, two headsets each."""
    model = ProductModel.objects.get(sku="VOY-TEST")
    devices = {}
    with tenant_context(world.alpha):
        for site_id in ("AL-0001", "AL-0002"):
            customer = world.customer(world.alpha, site_id)
            active_contract(customer)
            for index in (1, 2):
                serial = f"{site_id.replace('-', '')}HS{index:02d}"
                devices[serial] = DeviceFactory(serial=serial, product_model=model,
                                                customer=customer)
    return devices


def first_of_month(today=None):
    today = today or timezone.localdate()
    return date(today.year, today.month, 1)


@dataclass
class Sample:
    """One customer's objects of every kind the API serves."""

    customer: object
    contract: object
    device: object
    ticket: object
    rma: object
    report: object
    quote: object
    spare: object  # a covered device with no replacement under way
    lens_import: object  # a failed Poly Lens import, with a row error naming the customer
    comment: object  # the ticket's public answer
    attachment: object  # a file of that answer
    internal_attachment: object  # a file of the internal note
    webhook_endpoint: object  # the partner's, with one failed delivery
    webhook_delivery: object

    @property
    def site_id(self):
        return self.customer.site_id


INTERNAL_NOTE = "Internal note: customer is on the old firmware, escalate quietly"


def make_sample(customer):
    from django.core.files.base import ContentFile

    from reporting.models import MonthlyReport, TrueUpQuote, TrueUpQuoteLine
    from reporting.queries import index_reports
    from reporting.report_figures import ReportFigures
    from tests.reporting.stored_figures import BEFORE_VERSIONS
    from tickets.models import Comment, Rma, Ticket
    from tickets.queries import index_rmas, index_tickets

    contract = active_contract(customer)
    tag = customer.site_id.replace("-", "")
    model = ProductModel.objects.get(sku="VOY-TEST")
    device = DeviceFactory(serial=f"{tag}HS01", product_model=model, customer=customer)
    ticket = Ticket.objects.create(customer=customer, subject=f"Headset of {customer.name}",
                                   description="It crackles", device=device)
    from tickets.models import Attachment

    comment = Comment.objects.create(ticket=ticket, body="We are looking into it",
                                     author_name="Agent")
    note = Comment.objects.create(ticket=ticket, body=INTERNAL_NOTE, author_name="Agent",
                                  internal=True)
    attachment = Attachment.objects.create(
        comment=comment, file=ContentFile(b"log of " + tag.encode(), name="log.txt"),
        filename=f"{tag}-log.txt", content_type="text/plain", size=len(tag) + 7)
    internal_attachment = Attachment.objects.create(
        comment=note, file=ContentFile(INTERNAL_NOTE.encode(), name="note.txt"),
        filename="internal-note.txt", content_type="text/plain", size=len(INTERNAL_NOTE))
    now = timezone.now()
    rma = Rma.objects.create(ticket=ticket, customer=customer, device=device,
                             product_model=model, category="headsets", fault="Dead",
                             requested_at=now, ship_to_country="FR",
                             promised_ship_date=now.date() + timedelta(days=1))
    month = date(contract.start.year, contract.start.month, 1)
    report = MonthlyReport.objects.create(
        customer=customer, month=month, contract=contract, generated_at=now,
        status=MonthlyReport.Status.PUBLISHED, published_at=now,
        figures=ReportFigures.from_json({**BEFORE_VERSIONS, "month": month.isoformat()})
        .to_json())
    report.pdf.save("report.pdf", ContentFile(b"%PDF-1.4 " + tag.encode()))
    quote = TrueUpQuote.objects.create(
        report=report, contract=contract, adjustment_month=first_of_month(),
        term_end=contract.end, months=10, currency="EUR", total=Decimal("60.00"),
        issued_by="CSM", issued_at=now)
    TrueUpQuoteLine.objects.create(quote=quote, category="headsets", ordered=20, actual=23,
                                   added=3, annual_price=Decimal("24.00"), months=10,
                                   amount=Decimal("60.00"))
    # Built directly: their rows of the console's index are written as the actions do.
    index_tickets([ticket.pk])
    index_rmas([rma.pk])
    index_reports([report.pk])
    spare = DeviceFactory(serial=f"{tag}HS02", product_model=model, customer=customer)
    lens_import = make_lens_import(customer, f"{tag}-lens.csv")
    endpoint = Endpoint.objects.create(url=f"https://93.184.215.14/{tag}", secret="whsec_x",
                                       events=["ticket.created"])
    delivery = Delivery.objects.create(endpoint=endpoint, event="ticket.created",
                                       payload={"event": "ticket.created"}, status="failed")
    return Sample(customer, contract, device, ticket, rma, report, quote, spare, lens_import,
                  comment, attachment, internal_attachment, endpoint, delivery)


def make_lens_import(customer, filename, **fields):
    """A stored import of `customer` (failed on one row unless told otherwise)."""
    from django.core.files.base import ContentFile

    from inventory.lens import jobs
    from inventory.models import LensImport

    lens_import = jobs.create_import(customer=customer, upload=ContentFile(b"Serial\n"),
                                     filename=filename)
    fields = {"status": LensImport.Status.FAILED, "total_rows": 1, "processed_rows": 1,
              "error_count": 1, "errors": [{"line": 2, "column": "serial_number",
                                           "message": f"Bad serial of {customer.site_id}"}],
              **fields}
    LensImport.objects.filter(pk=lens_import.pk).update(**fields)
    lens_import.refresh_from_db()
    return lens_import


@pytest.fixture
def samples(world):
    """Alpha's two customers with one object of every kind each: AL-0001 is
    alpha_customer1's own, AL-0002 someone else's."""
    with tenant_context(world.alpha):
        return {site_id: make_sample(world.customer(world.alpha, site_id))
                for site_id in ("AL-0001", "AL-0002")}


# --- The vendor console's API ---------------------------------------------------------

@pytest.fixture
def console(world):
    """console("csm") → the console's session of that vendor persona."""
    return lambda persona: world[persona].client()


@pytest.fixture
def cross(world, samples):
    """Alpha's samples, Beta's BE-0001 too; an escalated ticket at Alpha (AL-0002) and at
    Beta; AL-0001 assigned to our CSM, BE-0001 to another CSM; AL-0002 to nobody."""
    from django_tenants.utils import schema_context

    from console.crossschema import assign_csm
    from portal.users.models import Role, User
    from tickets.models import Ticket
    from tickets.queries import index_tickets

    with tenant_context(world.beta):
        beta = make_sample(world.customer(world.beta, "BE-0001"))
    now = timezone.now()
    # Escalated directly (the index rows written as the escalation does).
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=samples["AL-0002"].ticket.pk).update(
            escalation_level=Ticket.Level.VENDOR, escalated_at=now)
        index_tickets([samples["AL-0002"].ticket.pk])
    with tenant_context(world.beta):
        Ticket.objects.filter(pk=beta.ticket.pk).update(
            escalation_level=Ticket.Level.SPECIALIST, escalated_at=now)
        index_tickets([beta.ticket.pk])
    with schema_context("public"):
        other = User.objects.create(email="other.csm@vendor.example", role=Role.CSM)
    assign_csm(world.alpha, samples["AL-0001"].customer.pk, world["csm"].user)
    assign_csm(world.beta, beta.customer.pk, other)
    return {**samples, "BE-0001": beta}
