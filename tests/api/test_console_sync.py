"""Syncing through the vendor console's API: `updated_since` and `ordering=updated_at` on
its lists, read from the console's index, with pages that stay whole while rows change
between them; conditional reads (ETag, 304); a CSM's syncs hold only their assigned
customers' rows."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from console.api import console_api
from console.crossschema import assign_csm, rebuild_partner_index
from contracts.models import Customer
from contracts.services import save_customer
from portal.consoleindex.models import IndexedCustomer, IndexedReport, IndexedTicket
from reporting.models import MonthlyReport
from reporting.queries import index_reports
from tests.console.test_console_pages_at_scale import add_partners
from tickets.models import Ticket
from tickets.queries import index_tickets

# Every list of the console's API and the vendor role that reads it.
LISTS = {"/api/v1/escalations": "support_engineer", "/api/v1/reports": "csm",
         "/api/v1/customers": "csm"}
EPOCH = "2000-01-01T00:00:00+00:00"


def keys(items):
    return [(item["partner"]["slug"], item["id"]) for item in items]


def touch(world, path, slug, pk):
    """A change of what the list shows of one row, written as the partner's apps write
    it: the source row, then its index row in the same transaction."""
    with tenant_context(world.alpha if slug == "alpha" else world.beta):
        if path == "/api/v1/escalations":
            Ticket.objects.filter(pk=pk).update(priority=Ticket.Priority.P1,
                                                updated_at=timezone.now())
            index_tickets([pk])
        elif path == "/api/v1/reports":
            MonthlyReport.objects.filter(pk=pk).update(generated_at=timezone.now())
            index_reports([pk])
        else:
            customer = Customer.objects.get(pk=pk)
            customer.city = f"Moved {timezone.now():%H%M%S%f}"
            save_customer(customer)


def every_page(client, path, params, between=None):
    """The (partner, id) of every page in order; `between(page_number, items)` runs after
    each page."""
    seen, cursor, number = [], None, 0
    while True:
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        seen += keys(data["items"])
        number += 1
        if between:
            between(number, data["items"])
        cursor = data["next"]
        if cursor is None:
            return seen


@pytest.fixture
def both(world, cross):
    """Our CSM has AL-0002 too: two rows in each of their lists."""
    assign_csm(world.alpha, cross["AL-0002"].customer.pk, world["csm"].user)
    return cross


@pytest.mark.parametrize("path", LISTS)
def test_a_row_changed_while_paging_comes_again_at_the_end_and_none_is_missed(
        world, console, both, path):
    client = console(LISTS[path])
    everything = set(keys(client.get(path, {"limit": 200}).json()["items"]))
    assert len(everything) == 2
    touched = []

    def change_the_first_row_seen(number, items):
        if number == 1:
            touched.append(keys(items)[0])
            touch(world, path, *touched[0])

    seen = every_page(client, path, {"ordering": "updated_at", "limit": 1},
                      change_the_first_row_seen)
    assert set(seen) == everything
    assert seen[-1] == touched[0]
    assert sorted(seen) == sorted([*everything, touched[0]])  # nothing else twice


def test_paging_escalations_by_updated_at_with_writes_between_pages(world, console, cross):
    """Seven escalations, two to a page; between pages, one already read and one not read
    yet change: each comes (again) at the end, no other twice, none missed."""
    since = timezone.now()
    with tenant_context(world.alpha):
        customer = cross["AL-0001"].customer
        created = [Ticket.objects.create(customer=customer, subject=f"Sync {index}",
                                         description="No audio").pk for index in range(7)]
        Ticket.objects.filter(pk__in=created).update(escalation_level=Ticket.Level.VENDOR,
                                                     escalated_at=timezone.now())
        index_tickets(created)
    read, changed = [], []

    def writes(number, items):
        read.extend(keys(items))
        if number == 2:
            unread = next(("alpha", pk) for pk in created if ("alpha", pk) not in read)
            changed.extend([read[0], unread])
            for slug, pk in changed:
                touch(world, "/api/v1/escalations", slug, pk)

    seen = every_page(console("support_engineer"), "/api/v1/escalations",
                      {"updated_since": since.isoformat(), "ordering": "updated_at",
                       "limit": 2}, writes)
    assert set(seen) == {("alpha", pk) for pk in created}
    assert seen.count(changed[0]) == 2 and seen.count(changed[1]) == 1
    assert len(seen) == len(created) + 1
    assert seen[-2:] == changed


@pytest.mark.parametrize("path", LISTS)
def test_updated_since_gives_only_what_changed(world, console, both, path):
    client = console(LISTS[path])
    items = client.get(path).json()["items"]
    assert all(item["updated_at"] for item in items)
    since = timezone.now()
    for params in ({"updated_since": since.isoformat()},
                   {"updated_since": since.isoformat(), "ordering": "-updated_at"}):
        assert client.get(path, params).json() == {"items": [], "next": None}
    touch(world, path, *keys(items)[-1])
    for params in ({"updated_since": since.isoformat()},
                   {"updated_since": since.isoformat(), "ordering": "updated_at"}):
        changed = client.get(path, params).json()["items"]
        assert keys(changed) == keys(items)[-1:]
        assert datetime.fromisoformat(changed[0]["updated_at"]) >= since


def test_a_write_that_changes_nothing_shown_is_no_change(world, console, cross):
    """The partner's apps write a ticket's index row on every action; the row only counts
    as changed when what it shows changes (here, its customer's name)."""
    client = console("support_engineer")
    ticket = cross["AL-0002"].ticket
    since = timezone.now()
    with tenant_context(world.alpha):
        index_tickets([ticket.pk])
        customer = Customer.objects.get(pk=cross["AL-0002"].customer.pk)
        save_customer(customer)
    assert client.get("/api/v1/escalations",
                      {"updated_since": since.isoformat()}).json()["items"] == []
    with tenant_context(world.alpha):
        customer.name = "Alpha Customer Renamed"
        save_customer(customer)
    changed = client.get("/api/v1/escalations",
                         {"updated_since": since.isoformat()}).json()["items"]
    assert keys(changed) == [("alpha", ticket.pk)]
    assert changed[0]["customer"]["name"] == "Alpha Customer Renamed"


def test_a_csm_syncs_only_their_customers_and_gets_a_newly_assigned_ones_rows(
        world, console, cross):
    client = console("csm")
    since = timezone.now().isoformat()
    # Changes to another CSM's customer (BE-0001) and to nobody's (AL-0002).
    touch(world, "/api/v1/reports", "beta", cross["BE-0001"].report.pk)
    touch(world, "/api/v1/reports", "alpha", cross["AL-0002"].report.pk)
    touch(world, "/api/v1/customers", "beta", cross["BE-0001"].customer.pk)
    for path in ("/api/v1/reports", "/api/v1/customers"):
        for ordering in ("updated_at", "-updated_at"):
            assert client.get(path, {"updated_since": since, "ordering": ordering}).json() \
                == {"items": [], "next": None}
    touch(world, "/api/v1/reports", "alpha", cross["AL-0001"].report.pk)
    assert keys(client.get("/api/v1/reports", {"updated_since": since}).json()["items"]) \
        == [("alpha", cross["AL-0001"].report.pk)]
    # AL-0002 becomes ours: its row and its unchanged report are in our next sync.
    mark = timezone.now().isoformat()
    assign_csm(world.alpha, cross["AL-0002"].customer.pk, world["csm"].user)
    assert keys(client.get("/api/v1/customers", {"updated_since": mark}).json()["items"]) \
        == [("alpha", cross["AL-0002"].customer.pk)]
    assert keys(client.get("/api/v1/reports", {"updated_since": mark,
                                               "ordering": "updated_at"}).json()["items"]) \
        == [("alpha", cross["AL-0002"].report.pk)]
    # Assigned again to the same CSM: nothing changed.
    again = timezone.now().isoformat()
    assign_csm(world.alpha, cross["AL-0002"].customer.pk, world["csm"].user)
    assert client.get("/api/v1/customers", {"updated_since": again}).json()["items"] == []


@pytest.mark.parametrize("params", [
    {"updated_since": "2026-05-01T08:00:00"},  # no offset
    {"ordering": "escalated_at"},
])
def test_an_unreadable_sync_parameter_is_refused(world, console, params):
    for path, persona in LISTS.items():
        response = console(persona).get(path, params)
        assert response.status_code == 422, path
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_of_another_order_is_refused(world, console, both, path):
    client = console(LISTS[path])
    offset = client.get(path, {"limit": 1}).json()["next"]
    keyset = client.get(path, {"limit": 1, "ordering": "updated_at"}).json()["next"]
    assert offset and keyset
    for params in ({"cursor": offset, "ordering": "updated_at"},
                   {"cursor": keyset, "ordering": "-updated_at"}, {"cursor": keyset}):
        response = client.get(path, {"limit": 1, **params})
        assert response.status_code == 422 and "cursor" in response.json()["errors"]


# --- Conditional reads ----------------------------------------------------------------------

@pytest.mark.parametrize("path", LISTS)
def test_an_unchanged_list_answers_304_until_a_row_changes(world, console, both, path):
    client = console(LISTS[path])
    first = client.get(path)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(path, {"limit": 1}, headers={"If-None-Match": etag}).status_code == 200
    touch(world, path, *keys(first.json()["items"])[0])
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_openapi_document_declares_sync_and_conditional_reads():
    schema = console_api.get_openapi_schema(path_prefix="/api/v1/")
    for path in LISTS:
        operation = schema["paths"][path]["get"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert {"updated_since", "ordering", "If-None-Match"} <= names, path
        responses = {str(status): answer for status, answer in operation["responses"].items()}
        assert "ETag" in responses["200"]["headers"] and "ETag" in responses["304"]["headers"]


# --- The index's own times ----------------------------------------------------------------

def test_the_rebuild_takes_the_source_rows_own_times(world, both):
    ticket, report = both["AL-0002"].ticket, both["AL-0002"].report
    customer = both["AL-0002"].customer
    schema = world.alpha.schema_name
    stale = timezone.now()
    for model, object_id in ((IndexedTicket, ticket.pk), (IndexedReport, report.pk),
                             (IndexedCustomer, customer.pk)):
        model.objects.filter(partner_id=schema, object_id=object_id).update(updated_at=stale)
    assert rebuild_partner_index(world.alpha)
    with tenant_context(world.alpha):
        ticket = Ticket.objects.get(pk=ticket.pk)
        report = MonthlyReport.objects.get(pk=report.pk)
        customer = Customer.objects.get(pk=customer.pk)
        quotes = [quote.updated_at for quote in report.quotes.all()]
    assert IndexedTicket.objects.get(partner_id=schema, object_id=ticket.pk).updated_at == \
        max(ticket.updated_at, customer.updated_at)
    assert IndexedReport.objects.get(partner_id=schema, object_id=report.pk).updated_at == \
        max([report.updated_at, customer.updated_at, *quotes])
    assert IndexedCustomer.objects.get(partner_id=schema, object_id=customer.pk).updated_at \
        == customer.updated_at


# --- Query counts ---------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"ordering": "updated_at", "updated_since": EPOCH},
    {"updated_since": EPOCH},
])
@pytest.mark.parametrize("path", LISTS)
def test_a_sync_page_costs_the_same_queries_with_more_rows(world, console, cross, path,
                                                           params):
    client = console(LISTS[path])

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(path, params)
        assert response.status_code == 200
        return len(context), len(response.json()["items"])

    queries()  # the session and caches warmed up
    before, few = queries()
    add_partners(world, "more", 6)
    after, many = queries()
    assert after == before and many == few + 6


def test_an_unchanged_answer_304_costs_no_more_queries_than_the_answer(world, console, cross):
    client = console("support_engineer")
    params = {"ordering": "updated_at"}
    first = client.get("/api/v1/escalations", params)
    with CaptureQueriesContext(connection) as full:
        client.get("/api/v1/escalations", params)
    with CaptureQueriesContext(connection) as conditional:
        assert client.get("/api/v1/escalations", params,
                          headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert len(conditional) <= len(full)
