"""Every console page and API list costs the same queries with 2 partners as with 20, each
with rows in every queue: nothing in a request's path goes partner by partner."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.models import CsmAssignment
from portal.catalogue.models import ProductModel
from portal.consoleindex.models import (
    IndexedCustomer,
    IndexedQuote,
    IndexedReport,
    IndexedRma,
    IndexedTicket,
)
from portal.tenants.models import Partner

PAGES = [
    ("support_engineer", "/"), ("support_engineer", "/escalations/"),
    ("support_engineer", "/escalations/?status=&q=Extra"),
    ("support_engineer", "/replacements/"), ("support_engineer", "/replacements/?status="),
    ("support_engineer", "/api/v1/escalations"),
    ("csm", "/"), ("csm", "/customers/"), ("csm", "/reports/"), ("csm", "/reports/?status=draft"),
    ("csm", "/api/v1/reports"), ("csm", "/api/v1/customers"),
    ("csm", "/reports/quotes/"), ("csm", "/reports/quotes/?status=issued"),
    ("vendor_admin", "/"), ("vendor_admin", "/partners/"),
    ("vendor_admin", "/reports/quotes/"), ("vendor_admin", "/reports/quotes/?status=issued"),
]


def add_partners(world, prefix, count):
    """`count` more active partners, each with a row in every queue of the index and a
    customer assigned to the test's CSM."""
    now, model = timezone.now(), ProductModel.objects.get(sku="VOY-TEST")
    partners = Partner.objects.bulk_create([
        Partner(slug=f"{prefix}{index}", schema_name=f"{prefix}{index}",
                name=f"{prefix.title()} {index}", status=Partner.Status.ACTIVE)
        for index in range(count)])
    for partner in partners:
        schema = {"partner_id": partner.schema_name, "object_id": 1, "customer_id": 1,
                  "customer_name": "Extra customer", "site_id": "EX-1"}
        IndexedTicket.objects.create(**schema, subject="Extra", priority="P2", status="new",
                                     escalation_level="vendor", escalated_at=now)
        IndexedRma.objects.create(**schema, status="requested", category="headsets",
                                  requested_at=now, promised_ship_date=date.today(),
                                  serial="EXTRA", product_model=model)
        IndexedReport.objects.create(**schema, month=date(2026, 10, 1), status="draft",
                                     generated_at=now)
        IndexedQuote.objects.create(**schema, report_id=1, status="issued", currency="EUR",
                                    amount="168.00", adjustment_month=date(2026, 11, 1),
                                    issued_at=now)
        IndexedCustomer.objects.create(**schema, country="FR", time_zone="Europe/Paris",
                                       language="en")
        CsmAssignment.objects.create(partner=partner, customer_id=1, csm=world["csm"].user)


def queries_of(client, url):
    client.get(url)  # sessions, caches and the like warmed up
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response


@pytest.mark.parametrize("persona,url", PAGES)
def test_a_console_page_costs_the_same_at_2_and_20_partners(world, persona, url):
    client = world[persona].client()
    few, _response = queries_of(client, url)
    add_partners(world, "more", 18)
    assert Partner.objects.active().count() == 20
    many, response = queries_of(client, url)
    assert many == few, url
    if url != "/":
        assert b"More 17" in response.content or b"more17" in response.content, url


def test_the_dashboard_counts_every_partner_and_lists_the_latest(world, monkeypatch):
    from console.views import partners as partner_views

    monkeypatch.setattr(partner_views, "DASHBOARD_PARTNERS", 3)
    add_partners(world, "more", 4)
    response = world["vendor_admin"].client().get("/")
    shown = [partner.slug for partner in response.context["partners"]]
    assert response.context["partner_count"] == Partner.objects.partners().count() >= 6
    assert shown == ["more3", "more2", "more1"]
    assert b"Latest partners" in response.content and b"/partners/" in response.content


@pytest.mark.parametrize("url", ["/reports/", "/customers/"])
def test_a_csms_lists_come_in_pages(world, url):
    add_partners(world, "page", 55)
    client = world["csm"].client()
    first, second = client.get(url), client.get(url, {"page": 2})
    rows = (first.context["reports"] if url == "/reports/" else first.context["rows"])
    more = (second.context["reports"] if url == "/reports/" else second.context["rows"])
    assert len(rows) == 50 and first.context["has_next"]
    assert len(more) == 5 and not second.context["has_next"]
    shown = {row.partner.slug for row in [*rows, *more]}
    assert shown == {f"page{index}" for index in range(55)}


def test_the_partner_list_comes_in_pages(world):
    add_partners(world, "page", 55)
    client = world["vendor_admin"].client()
    total = Partner.objects.partners().count()
    first, last = client.get("/partners/"), client.get("/partners/", {"page": 2})
    assert len(first.context["partners"]) == 50 and first.context["has_next"]
    assert len(last.context["partners"]) == total - 50 and not last.context["has_next"]
    assert b"?page=2" in first.content and b"?page=1" in last.content
    shown = {p.slug for p in [*first.context["partners"], *last.context["partners"]]}
    assert {f"page{index}" for index in range(55)} <= shown
    searched = client.get("/partners/", {"q": "page5"})
    assert {p.slug for p in searched.context["partners"]} == {
        "page5", *(f"page{index}" for index in range(50, 55))}
