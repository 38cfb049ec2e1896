"""Partner-qualified references in the console (NW-T-000002): a ticket's or replacement's
number repeats across partners, its prefix tells them apart, and the queues' search finds
an object by its qualified reference."""

import re
from datetime import date
from itertools import product
from string import ascii_uppercase

import pytest
from django.utils import timezone

from portal.catalogue.models import ProductModel
from portal.consoleindex.models import IndexedRma, IndexedTicket
from portal.tenants.models import Partner
from portal.tenants.references import PREFIX_PATTERN, parse_reference, reference_prefix_for
from tests.console.test_console_index import escalate, open_ticket
from tests.console.test_console_pages_at_scale import add_partners, queries_of


def index_both_partners(world, object_id=2):
    """The same ticket and replacement number at alpha and at beta."""
    now, model = timezone.now(), ProductModel.objects.get(sku="VOY-TEST")
    for partner in (world.alpha, world.beta):
        row = {"partner_id": partner.schema_name, "object_id": object_id, "customer_id": 1,
               "customer_name": f"Customer of {partner.name}", "site_id": "X-1"}
        IndexedTicket.objects.create(**row, subject=f"Ticket of {partner.name}", priority="P2",
                                     status="new", escalation_level="vendor",
                                     escalated_at=now)
        IndexedRma.objects.create(**row, status="requested", category="headsets",
                                  requested_at=now, promised_ship_date=date.today(),
                                  serial=f"SER-{partner.slug}", product_model=model)


def test_a_partner_gets_a_prefix_from_its_name_at_onboarding(world):
    assert world.alpha.reference_prefix == "AC"  # Alpha Communications
    assert world.beta.reference_prefix == "BR"  # Beta Réseaux
    assert reference_prefix_for("Northwind", "northwind") == "NO"
    assert reference_prefix_for("Alpha Calls", "alpha-calls", taken={"AC"}) == "ACA"
    partner = Partner.objects.create(slug="alpha-calls", schema_name="alpha_calls",
                                     name="Alpha Calls")
    assert partner.reference_prefix == "ACA"


def test_hundreds_of_partners_with_the_same_initials_each_get_a_prefix():
    taken = set()
    for number in range(1, 1201):
        prefix = reference_prefix_for(f"Best Price {number}", f"best-price-{number}", taken)
        assert re.fullmatch(PREFIX_PATTERN, prefix) and prefix not in taken
        taken.add(prefix)
    # BP, BPA…BPZ and BPAA…BPZZ are 703 prefixes; the 704th partner gets three letters more.
    assert "BPAAA" in taken and "BPZZ" in taken
    # A four-letter stem has fewer letters to add; it falls back on its shorter stems.
    four = {"ABCD"} | {"ABCD" + "".join(pair) for pair in product(ascii_uppercase, repeat=2)}
    four |= {"ABCD" + letter for letter in ascii_uppercase}
    assert reference_prefix_for("Alpha Beta Charlie Delta", "abcd", four) == "ABCA"


def test_references_read_with_or_without_prefix_and_zeros():
    assert parse_reference("NW-T-000002") == ("NW", "T", 2)
    assert parse_reference("nw-t-2") == ("NW", "T", 2)
    assert parse_reference("T-000002") == ("", "T", 2)
    assert parse_reference("rma-1") == ("", "RMA", 1)
    assert parse_reference("Video bar") is None


def test_the_queues_show_each_partners_reference(world):
    index_both_partners(world)
    client = world["support_engineer"].client()
    body = client.get("/escalations/").content.decode()
    assert "AC-T-000002" in body and "BR-T-000002" in body
    body = client.get("/replacements/").content.decode()
    assert "AC-RMA-000002" in body and "BR-RMA-000002" in body


@pytest.mark.parametrize("query", ["BR-T-000002", "br-t-2", " Br-T-02 "])
def test_the_escalation_search_finds_one_ticket_by_its_qualified_reference(world, query):
    index_both_partners(world)
    response = world["support_engineer"].client().get("/escalations/", {"q": query,
                                                                        "status": ""})
    assert [ticket.reference for ticket in response.context["tickets"]] == ["BR-T-000002"]


def test_a_reference_without_prefix_finds_the_number_at_every_partner(world):
    index_both_partners(world)
    client = world["support_engineer"].client()
    response = client.get("/escalations/", {"q": "T-000002", "status": ""})
    assert sorted(t.reference for t in response.context["tickets"]) == [
        "AC-T-000002", "BR-T-000002"]
    response = client.get("/replacements/", {"q": "AC-RMA-2", "status": ""})
    assert [rma.reference for rma in response.context["rmas"]] == ["AC-RMA-000002"]
    # A replacement's reference finds no ticket.
    response = client.get("/escalations/", {"q": "AC-RMA-2", "status": ""})
    assert list(response.context["tickets"]) == []


@pytest.mark.parametrize("url", ["/escalations/?status=&q=AC-T-2",
                                 "/replacements/?status=&q=ac-rma-000002",
                                 "/escalations/?status=&q=T-000001"])
def test_a_search_by_reference_costs_the_same_at_2_and_20_partners(world, url):
    index_both_partners(world)
    client = world["support_engineer"].client()
    few, _response = queries_of(client, url)
    add_partners(world, "more", 18)
    many, _response = queries_of(client, url)
    assert many == few


def test_the_console_ticket_and_replacement_pages_show_the_qualified_reference(world):
    ticket = open_ticket(world, world.beta, "BE-0001", "Beta's escalation")
    escalate(world, world.beta, ticket)
    body = world["support_engineer"].client().get(
        f"/escalations/beta/{ticket.pk}/").content.decode()
    assert f"BR-T-{ticket.pk:06d}" in body


def test_the_vendor_admin_edits_the_prefix_on_the_partner_page(world):
    client = world["vendor_admin"].client()
    assert "AC-T-000001" in client.get("/partners/alpha/").content.decode()
    form = client.get("/partners/alpha/branding/").context["form"]
    data = {name: value for name, value in form.initial.items()
            if value is not None and name not in ("logo", "logo_on_dark")}
    data["support_days"] = list(world.alpha.support_days)
    data["support_opens"], data["support_closes"] = "09:00", "18:00"

    response = client.post("/partners/alpha/branding/", {**data, "reference_prefix": "BR"})
    assert response.status_code == 200  # beta has it
    response = client.post("/partners/alpha/branding/", {**data, "reference_prefix": "n1"})
    assert response.status_code == 200
    response = client.post("/partners/alpha/branding/", {**data, "reference_prefix": "alc"})
    assert response.status_code == 302
    assert Partner.objects.get(slug="alpha").reference_prefix == "ALC"


def test_partner_staff_cannot_edit_the_prefix(world):
    form = world["alpha_admin"].client().get("/branding/").context["form"]
    assert "reference_prefix" not in form.fields
