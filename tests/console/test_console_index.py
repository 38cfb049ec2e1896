"""The console's index (portal/consoleindex): kept in step with every partner's schema by
the actions themselves, equal to a rebuild from the schemas, and read by the console's
queues whatever the number of partners."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from console import crossschema
from console.models import CsmAssignment
from contracts import services as contract_services
from inventory.models import Device, InventorySnapshot, SnapshotCount
from portal.catalogue.models import ProductModel
from portal.consoleindex.models import (
    OPEN_RMA_STATUSES,
    OPEN_TICKET_STATUSES,
    IndexedCustomer,
    IndexedQuote,
    IndexedReport,
    IndexedRma,
    IndexedTicket,
    OpenCount,
)
from portal.tenants.models import Partner
from portal.users.models import Role
from reporting import services as report_services
from tests.factories import ContractFactory
from tickets import services as ticket_services
from tickets.models import Rma, Ticket
from tickets.rma import services as rma_services

MODELS = (IndexedTicket, IndexedRma, IndexedReport, IndexedCustomer)
QUEUES = {IndexedTicket: OPEN_TICKET_STATUSES, IndexedRma: OPEN_RMA_STATUSES}


def open_counts():
    """The open queues' counters, and the same counted from the index's rows."""
    kept = {(c.partner_id, c.queue): c.open_rows for c in OpenCount.objects.all()
            if c.open_rows}
    counted = {}
    for model, statuses in QUEUES.items():
        for row in model.objects.filter(status__in=statuses):
            key = (row.partner_id, model._meta.db_table)
            counted[key] = counted.get(key, 0) + 1
    return kept, counted


LATEST_COLUMNS = ("latest_month", "latest_categories", "latest_true_up_due")


def _columns(model):
    # The CSM of a row's customer, where it has one, and a customer's latest report, with
    # the partner's columns.
    has_csm = any(field.name == "csm" for field in model._meta.fields)
    return ("partner_id", *model.SOURCE_COLUMNS, *(("csm_id",) if has_csm else ()),
            *((*LATEST_COLUMNS, "partner_name") if model is IndexedCustomer else ()))


def index_rows():
    """Every row of the index, as plain values (their own ids left out)."""
    return {(model.__name__, *map(str, values)) for model in MODELS
            for values in model.objects.values_list(*_columns(model))}


def assigned_csms():
    """{(partner's schema, customer id): CSM id} of every assignment."""
    return {(schema, customer): csm for schema, customer, csm in
            CsmAssignment.objects.values_list("partner__schema_name", "customer_id", "csm_id")}


def csm_of_rows_are_the_assignments():
    assigned = assigned_csms()
    for model in (IndexedCustomer, IndexedReport, IndexedQuote):
        for schema, customer, csm in model.objects.values_list("partner_id", "customer_id",
                                                                "csm_id"):
            assert csm == assigned.get((schema, customer)), (model.__name__, schema, customer)


def latest_of_rows_are_the_reports():
    """Each customer row holds the figures of its customer's newest report in the index,
    or nulls without one."""
    newest = {}
    for report in IndexedReport.objects.order_by("month", "object_id"):
        newest[(report.partner_id, report.customer_id)] = (
            report.month, report.categories, report.true_up_due)
    for row in IndexedCustomer.objects.all():
        assert tuple(getattr(row, column) for column in LATEST_COLUMNS) == newest.get(
            (row.partner_id, row.object_id), (None, None, None)), row


def open_ticket(world, tenant, site_id, subject):
    with tenant_context(tenant):
        return ticket_services.open_ticket(
            user=world[f"{tenant.slug}_agent"].user, customer=world.customer(tenant, site_id),
            subject=subject, description="No video", category="technical", priority="P2")


def escalate(world, tenant, ticket, to_level="vendor", by=None):
    with tenant_context(tenant):
        ticket_services.escalate(ticket, user=by or world[f"{tenant.slug}_agent"].user,
                                 to_level=to_level, reason="Needs the vendor")


def test_the_index_equals_a_rebuild_after_every_kind_of_change(world):
    engineer, csm = world["support_engineer"].user, world["csm"].user
    agent = world["alpha_agent"].user
    customer = world.customer(world.alpha, "AL-0001")

    # Tickets: escalated, worked by vendor support, handed to a specialist, answered,
    # resolved; another one handed back to the partner.
    ticket = open_ticket(world, world.alpha, "AL-0001", "Video bar reboots")
    escalate(world, world.alpha, ticket)
    with tenant_context(world.alpha):
        ticket_services.change_status(ticket, "in_progress", user=engineer)
        ticket_services.escalate(ticket, user=engineer, to_level="specialist",
                                 reason="Firmware")
        ticket_services.add_comment(ticket, user=engineer, body="Looking into it")
        ticket_services.update_ticket(ticket, user=agent, priority="P1",
                                      category="technical", assignee=None)
        ticket_services.change_status(ticket, "resolved", user=engineer)
    handed_back = open_ticket(world, world.alpha, "AL-0001", "Handed back")
    escalate(world, world.alpha, handed_back)
    escalate(world, world.alpha, handed_back, to_level="partner", by=engineer)
    beta_ticket = open_ticket(world, world.beta, "BE-0001", "Beta's escalation")
    escalate(world, world.beta, beta_ticket)

    # A replacement through its whole life.
    headset = ProductModel.objects.get(sku="VOY-TEST")
    with tenant_context(world.alpha):
        contract = ContractFactory(customer=customer, start=date(2026, 1, 1),
                                   end=date(2027, 12, 31),
                                   lines={"headsets": (100, 0, Decimal("24.00"))})
        device = Device.objects.create(serial="IDX-0001", product_model=headset,
                                       customer=customer)
        rma = rma_services.request_rma(user=agent, customer=customer, serial=device.serial,
                                       fault="No sound")
        rma_services.advance(rma, "approved", user=engineer)
        rma_services.advance(rma, "shipped", user=engineer, carrier="DHL",
                             tracking_number="1Z", replacement_serial="IDX-0002")
        for status in ("delivered", "received", "closed"):
            rma_services.advance(rma, status, user=engineer)

        # A monthly report generated, reviewed, published; another left a draft.
        for month in (9, 10):
            shot = InventorySnapshot.objects.create(
                customer=customer, taken_on=date(2026, month, 20),
                source=InventorySnapshot.Source.LENS)
            SnapshotCount.objects.create(snapshot=shot, category="headsets", covered=100)
        report = report_services.generate_report(customer, date(2026, 10, 1))
        report_services.mark_reviewed(report, csm)
        report_services.publish(report, csm, notify=False)
        draft = report_services.generate_report(customer, date(2026, 9, 1))
        report_services.mark_reviewed(draft, csm)
        report_services.reopen(draft)
        assert contract.pk

    # CSM assignments, a customer renamed, a partner no longer active.
    crossschema.assign_csm(world.alpha, customer.pk, csm)
    other = world.customer(world.alpha, "AL-0002")
    crossschema.assign_csm(world.alpha, other.pk, csm)
    crossschema.assign_csm(world.alpha, other.pk, None)
    with tenant_context(world.alpha):
        customer.name = "Renamed Pharma"
        customer.time_zone = "America/Martinique"  # its replacements' lateness reads it
        contract_services.save_customer(customer)
    Partner.objects.filter(pk=world.beta.pk).update(status=Partner.Status.FAILED)

    kept = index_rows()
    csm_of_rows_are_the_assignments()
    latest_of_rows_are_the_reports()
    assert IndexedCustomer.objects.get(partner_id="alpha", object_id=customer.pk
                                       ).latest_month == date(2026, 10, 1)
    assert IndexedReport.objects.filter(csm=csm).exists()
    counters, counted = open_counts()
    assert counters == counted and counted
    assert ("IndexedTicket", "alpha", str(ticket.pk)) in {row[:3] for row in kept}
    assert ("IndexedTicket", "alpha", str(handed_back.pk)) not in {row[:3] for row in kept}
    call_command("rebuild_console_index")
    assert index_rows() == kept
    assert open_counts() == (counters, counted)

    # What the queues show of it.
    rows, _total = crossschema.escalated_tickets(status="")
    shown = {(row.partner.slug, row.pk): row for row in rows}
    assert (shown[("alpha", ticket.pk)].status, shown[("alpha", ticket.pk)].priority,
            shown[("alpha", ticket.pk)].escalation_level,
            shown[("alpha", ticket.pk)].customer_name) == (
        "resolved", "P1", "specialist", "Renamed Pharma")
    assert ("alpha", handed_back.pk) not in shown and ("beta", beta_ticket.pk) not in shown
    rmas, _total = crossschema.rmas_of_all_partners(status="closed")
    assert [(r.pk, r.serial, r.model_name) for r in rmas if r.partner.slug == "alpha"] == [
        (rma.pk, "IDX-0001", "Voyager Test")]
    assert IndexedRma.objects.get(partner_id="alpha", object_id=rma.pk).time_zone == \
        "America/Martinique"
    assert {(r.month, r.status) for r in crossschema.csm_reports(csm)} >= {
        (date(2026, 10, 1), "published"), (date(2026, 9, 1), "draft")}
    assert [(row.customer.name, row.customer.site_id)
            for row in crossschema.assigned_customers(csm)] == [("Renamed Pharma", "AL-0001")]


def test_a_csms_rows_follow_their_customers_assignment(world):
    """The index's customers, reports and quotes carry the CSM their customer is assigned
    to, kept in the assignment's transaction and the row's: moved, unassigned, written
    before or after the assignment; another CSM reads none of them."""
    from tests.personas import _user

    csm, other = world["csm"].user, _user("csm.other@vendor.example", Role.CSM)
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        for month in (9, 10):
            shot = InventorySnapshot.objects.create(
                customer=customer, taken_on=date(2026, month, 20),
                source=InventorySnapshot.Source.LENS)
            SnapshotCount.objects.create(snapshot=shot, category="headsets", covered=10)
        ContractFactory(customer=customer, start=date(2026, 1, 1), end=date(2027, 12, 31),
                        lines={"headsets": (5, 0, Decimal("24.00"))})
        report_services.generate_report(customer, date(2026, 9, 1))

    def months(user):
        return sorted(report.month.month for report in crossschema.csm_reports(user))

    assert months(csm) == [] and list(crossschema.assigned_customers(csm)) == []
    crossschema.assign_csm(world.alpha, customer.pk, csm)
    assert months(csm) == [9] and months(other) == []
    with tenant_context(world.alpha):
        report_services.generate_report(customer, date(2026, 10, 1))
    assert months(csm) == [9, 10]
    csm_of_rows_are_the_assignments()
    # The pages, each one statement with the count: the rows' own order and number.
    crossschema.assign_csm(world.alpha, world.customer(world.alpha, "AL-0002").pk, csm)
    for status, awaiting in (("", False), ("draft", False), ("published", False),
                             ("", True)):
        every = crossschema.csm_reports(csm, status=status, awaiting_po=awaiting)
        for size in (1, 2, 3):
            for offset in range(0, 4, size):
                assert crossschema.csm_reports_page(
                    csm, size, offset, status=status, awaiting_po=awaiting) == (
                    every[offset:offset + size], len(every) if offset < len(every) else 0)
    customers = crossschema.assigned_customers(csm)
    assert len(customers) == 2
    for size in (1, 2):
        for offset in range(0, 2, size):
            assert crossschema.assigned_customers_page(csm, size, offset) == (
                customers[offset:offset + size], 2)
    crossschema.assign_csm(world.alpha, world.customer(world.alpha, "AL-0002").pk, None)
    crossschema.assign_csm(world.alpha, customer.pk, other)
    assert months(csm) == [] and months(other) == [9, 10]
    assert [row.customer.site_id for row in crossschema.assigned_customers(other)] == [
        "AL-0001"]
    assert list(crossschema.assigned_customers(csm)) == []
    csm_of_rows_are_the_assignments()
    with transaction.atomic():
        crossschema.assign_csm(world.alpha, customer.pk, csm)
        assert months(csm) == [9, 10]
        transaction.set_rollback(True)
    assert months(csm) == [] and months(other) == [9, 10]
    crossschema.assign_csm(world.alpha, customer.pk, None)
    assert months(other) == [] and crossschema.csm_dashboard_counts(other) == {
        "reports_to_review": 0, "quotes_awaiting_po": 0}
    csm_of_rows_are_the_assignments()
    assert not IndexedReport.objects.filter(csm__isnull=False).exists()


def test_a_customers_row_holds_its_latest_reports_figures(world):
    """*My customers* shows each customer's newest report: its row follows the reports
    written before and after the assignment, a report written again, and a report leaving
    the index, in the writer's transaction, without counting as a change for the API's
    syncs."""
    csm = world["csm"].user
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        for month, covered in ((9, 10), (10, 7)):
            shot = InventorySnapshot.objects.create(
                customer=customer, taken_on=date(2026, month, 20),
                source=InventorySnapshot.Source.LENS)
            SnapshotCount.objects.create(snapshot=shot, category="headsets",
                                         covered=covered)
        ContractFactory(customer=customer, start=date(2026, 1, 1), end=date(2027, 12, 31),
                        lines={"headsets": (5, 0, Decimal("24.00"))})
        report_services.generate_report(customer, date(2026, 9, 1))

    def latest():
        [row] = crossschema.assigned_customers(csm)
        if row.latest is None:
            return None
        return row.latest.month, [(figures.ordered, figures.actual)
                                  for figures in row.latest.categories], row.latest.true_up_due

    crossschema.assign_csm(world.alpha, customer.pk, csm)
    assert latest() == (date(2026, 9, 1), [(5, 10)], True)
    changed = IndexedCustomer.objects.get(partner_id="alpha").updated_at
    with tenant_context(world.alpha):
        october = report_services.generate_report(customer, date(2026, 10, 1))
    assert latest() == (date(2026, 10, 1), [(5, 7)], True)
    # A report of an earlier month written again leaves the newest one shown.
    with tenant_context(world.alpha):
        report_services.generate_report(customer, date(2026, 9, 1))
    assert latest()[0] == date(2026, 10, 1)
    latest_of_rows_are_the_reports()
    with transaction.atomic():
        IndexedReport.objects.filter(partner_id="alpha", object_id=october.pk).delete()
        assert latest() == (date(2026, 9, 1), [(5, 10)], True)
        transaction.set_rollback(True)
    assert latest()[0] == date(2026, 10, 1)
    IndexedReport.objects.filter(partner_id="alpha", customer_id=customer.pk).delete()
    assert latest() is None
    assert IndexedCustomer.objects.get(partner_id="alpha").updated_at == changed
    call_command("rebuild_console_index")
    assert latest()[0] == date(2026, 10, 1)
    latest_of_rows_are_the_reports()
    # Another partner's customer of the same id shows its own reports.
    beta_customer = world.customer(world.beta, "BE-0001")
    crossschema.assign_csm(world.beta, beta_customer.pk, csm)
    assert {row.partner.slug: row.latest for row in crossschema.assigned_customers(csm)
            }["beta"] is None


def test_a_csms_customers_are_listed_by_their_partners_current_name(world):
    csm = world["csm"].user
    for tenant, site_id in ((world.alpha, "AL-0001"), (world.alpha, "AL-0002"),
                            (world.beta, "BE-0001")):
        crossschema.assign_csm(tenant, world.customer(tenant, site_id).pk, csm)

    def listed():
        return [(row.partner.name, row.customer.site_id)
                for row in crossschema.assigned_customers(csm)]

    assert listed() == [("Alpha Communications", "AL-0001"),
                        ("Alpha Communications", "AL-0002"), ("Beta Réseaux", "BE-0001")]
    alpha = Partner.objects.get(pk=world.alpha.pk)
    alpha.name = "Zenith Alpha"
    alpha.save()
    assert listed() == [("Beta Réseaux", "BE-0001"), ("Zenith Alpha", "AL-0001"),
                        ("Zenith Alpha", "AL-0002")]
    assert set(IndexedCustomer.objects.values_list("partner_id", "partner_name")) == {
        ("alpha", "Zenith Alpha"), ("beta", "Beta Réseaux")}
    # Two partners of one name: each partner's customers stay together.
    Partner.objects.filter(pk=world.beta.pk).update(name="Zenith Alpha")
    assert [site_id for _name, site_id in listed()] == ["AL-0001", "AL-0002", "BE-0001"]
    for size in (1, 2):
        for offset in range(0, 3, size):
            page, total = crossschema.assigned_customers_page(csm, size, offset)
            assert [row.customer.site_id for row in page] == [
                "AL-0001", "AL-0002", "BE-0001"][offset:offset + size] and total == 3
    kept = index_rows()
    call_command("rebuild_console_index")
    assert index_rows() == kept


def test_the_rebuild_writes_back_what_the_index_lost_and_runs_twice_alike(world):
    ticket = open_ticket(world, world.alpha, "AL-0001", "Lost row")
    escalate(world, world.alpha, ticket)
    before = index_rows()
    IndexedTicket.objects.all().delete()
    IndexedTicket.objects.create(partner_id="beta", object_id=999999, customer_id=1,
                                 customer_name="Ghost", site_id="X", subject="Ghost",
                                 priority="P1", status="new", escalation_level="vendor")
    call_command("rebuild_console_index")
    assert index_rows() == before
    call_command("rebuild_console_index")
    assert index_rows() == before


def test_breached_now_is_read_from_the_due_instants_not_a_stored_flag(world):
    ticket = open_ticket(world, world.alpha, "AL-0001", "Due soon")
    escalate(world, world.alpha, ticket)
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
    due = ticket.resolution_due_at

    def breached(now):
        rows, _total = crossschema.escalated_tickets(partner_slug="alpha", now=now)
        return {row.pk: row.breached for row in rows}[ticket.pk]

    assert not breached(due - timedelta(minutes=1))
    assert breached(due + timedelta(minutes=1))
    assert timezone.now() < due


def test_the_queues_page_says_what_the_index_rows_say(world):
    """A page of the queue is read as values, each partner made once: the same tickets,
    with the same partners, as the index's rows (crossschema.escalation_rows)."""
    for partner, site_id in ((world.alpha, "AL-0001"), (world.beta, "BE-0001")):
        for subject in ("First", "Second"):
            escalate(world, partner, open_ticket(world, partner, site_id, subject))
    now = timezone.now()
    for criteria, page in [({}, {}), ({"partner_slug": "alpha"}, {}),
                           ({"status": ""}, {"limit": 2, "offset": 1}),
                           ({"level": "vendor"}, {})]:
        read, total = crossschema.escalated_tickets(now=now, **criteria, **page)
        offset = page.get("offset", 0)
        rows = crossschema.escalation_rows(now=now, **criteria)
        expected = rows[offset:offset + page.get("limit", 50)]
        assert read and total == len(rows)
        assert [vars(ticket) for ticket in read] == [vars(ticket) for ticket in expected]
        assert [(t.partner.pk, t.partner.slug, t.partner.name, t.partner.schema_name,
                 t.reference) for t in read] == [
            (t.partner.pk, t.partner.slug, t.partner.name, t.partner.schema_name,
             t.reference) for t in expected]


def test_an_index_row_commits_or_rolls_back_with_the_partners_change(world):
    ticket = open_ticket(world, world.alpha, "AL-0001", "Rolled back")
    row = IndexedTicket.objects.filter(partner_id="alpha", object_id=ticket.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        escalate(world, world.alpha, ticket)
        assert row.exists()
        raise RuntimeError("the request fails after the escalation")
    assert not row.exists()
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
    assert ticket.escalation_level == "partner"


def test_the_open_queues_index_holds_the_apps_open_statuses():
    # The partial indexes the open queues read are only used while their statuses are the
    # ones the queues filter on.
    assert set(OPEN_TICKET_STATUSES) == set(Ticket.OPEN_STATUSES)
    assert set(OPEN_RMA_STATUSES) == set(Rma.OPEN_STATUSES)


def test_the_open_queues_page_through_tied_rows_once_each_with_their_total(world):
    # Every partner's rows copied alike (same instants): the pages still hold each row
    # once, in a stable order, and every page gives the count of all of them.
    escalated, promised = timezone.now(), date(2026, 11, 2)
    headset = ProductModel.objects.get(sku="VOY-TEST")
    copied = range(900001, 900008)
    for partner in ("alpha", "beta"):
        for object_id in copied:
            IndexedTicket.objects.create(
                partner_id=partner, object_id=object_id, customer_id=1,
                customer_name="Copy", site_id="CP-1", subject=f"Copy {object_id}",
                priority="P2", status="in_progress", escalation_level="vendor",
                escalated_at=escalated)
            IndexedRma.objects.create(
                partner_id=partner, object_id=object_id, customer_id=1,
                customer_name="Copy", site_id="CP-1", status="approved",
                category="advance", requested_at=escalated, promised_ship_date=promised,
                serial=f"CP-{object_id}", product_model=headset)
    IndexedTicket.objects.filter(partner_id="beta", object_id=900007).update(status="resolved")
    IndexedRma.objects.filter(partner_id="alpha", object_id=900007).update(status="closed")

    def pages(read):
        seen, totals, offset = [], set(), 0
        while True:
            rows, total = read(limit=3, offset=offset)
            if not rows:
                return seen, totals
            totals.add(total)
            seen += [(row.partner.slug, row.pk) for row in rows]
            offset += 3

    tickets, totals = pages(crossschema.escalated_tickets)
    assert len(tickets) == len(set(tickets)) and totals == {len(tickets)}
    assert [row for row in tickets if row[1] in copied] == (
        [("alpha", n) for n in reversed(copied)] + [("beta", n) for n in reversed(copied[:-1])])

    rmas, totals = pages(crossschema.rmas_of_all_partners)
    assert len(rmas) == len(set(rmas)) and totals == {len(rmas)}
    assert [row for row in rmas if row[1] in copied] == (
        [("alpha", n) for n in copied[:-1]] + [("beta", n) for n in copied])


def test_the_replacement_queue_pages_late_ones_first_then_the_rest_in_one_order(world):
    # Late (unshipped, past the promise in the ship-to's day) and on-time rows of two
    # partners, read page by page at every page size, in every view of the queue: the
    # pages join into one list, in the rule's order, each row once, with one total.
    now = timezone.now()
    today = now.date()
    headset = ProductModel.objects.get(sku="VOY-TEST")
    cases = [("approved", -9, "UTC"), ("requested", -3, "Asia/Tokyo"),
             ("approved", 2, "UTC"), ("shipped", -20, "UTC"), ("requested", 0, "UTC"),
             ("delivered", -1, "UTC"), ("requested", -1, "Pacific/Kiritimati"),
             ("approved", -1, "Pacific/Pago_Pago"), ("received", 5, "UTC"),
             ("approved", -9, "UTC"), ("closed", -30, "UTC")]
    for partner in ("alpha", "beta"):
        for number, (status, days, zone) in enumerate(cases):
            IndexedRma.objects.create(
                partner_id=partner, object_id=950000 + number, customer_id=1,
                customer_name="Queue", site_id="QU-1", status=status, category="advance",
                requested_at=now - timedelta(hours=number), time_zone=zone,
                promised_ship_date=today + timedelta(days=days), ship_to_country="FR",
                serial=f"QU-{partner}-{number}", product_model=headset)

    def expected(statuses, late_only=False, partner=None):
        rows = IndexedRma.objects.filter(status__in=statuses).select_related("partner")
        rows = [row for row in rows if partner in (None, row.partner.slug)]
        if late_only:
            rows = [row for row in rows if is_late(row)]
        rows.sort(key=lambda row: (not is_late(row), row.promised_ship_date,
                                   row.requested_at, row.partner_id, row.object_id))
        return [(row.partner.slug, row.object_id) for row in rows]

    def is_late(row):
        return rma_services.lateness(row.status, row.promised_ship_date, "FR", row.time_zone,
                                     now) is not None

    def read_all(limit, **criteria):
        seen, totals, offset = [], set(), 0
        while True:
            rows, total = crossschema.rmas_of_all_partners(limit=limit, offset=offset,
                                                           now=now, **criteria)
            if not rows:
                return seen, totals
            totals.add(total)
            seen += [(row.partner.slug, row.pk) for row in rows]
            offset += limit

    every_status = [status for status, _label in Rma.Status.choices]
    views = [({}, expected(OPEN_RMA_STATUSES)),
             ({"status": ""}, expected(every_status)),
             ({"status": "approved"}, expected(["approved"])),
             ({"status": "shipped"}, expected(["shipped"])),
             ({"late_only": True}, expected(OPEN_RMA_STATUSES, late_only=True)),
             ({"partner_slug": "beta"}, expected(OPEN_RMA_STATUSES, partner="beta")),
             ({"query": "QU-beta"}, [row for row in expected(OPEN_RMA_STATUSES)
                                     if row[0] == "beta" and row[1] >= 950000])]
    flags = [is_late(IndexedRma.objects.get(partner_id=slug, object_id=number))
             for slug, number in expected(OPEN_RMA_STATUSES) if number >= 950000]
    # Both kinds, the late ones first: the ship-to's day decides (Kiritimati's today is
    # ahead of UTC's, Pago Pago's behind).
    pago_pago = IndexedRma.objects.get(partner_id="alpha", object_id=950007)
    assert flags == sorted(flags, reverse=True)
    assert flags.count(True) == 2 * 4 + (2 if is_late(pago_pago) else 0) < len(flags)
    for criteria, order in views:
        assert order, criteria
        for limit in (1, 2, 3, 4, 50):
            rows, totals = read_all(limit, **criteria)
            assert rows == order, (criteria, limit)
            assert totals == {len(order)}, (criteria, limit)
    # A page past the end is empty.
    assert crossschema.rmas_of_all_partners(limit=5, offset=500, now=now) == ([], 0)


def test_the_open_queues_count_from_counters_kept_in_the_writers_transaction(world):
    headset, now = ProductModel.objects.get(sku="VOY-TEST"), timezone.now()
    beta_before = IndexedRma.objects.filter(partner_id="beta",
                                            status__in=OPEN_RMA_STATUSES).count()
    ticket = open_ticket(world, world.alpha, "AL-0001", "Counted")
    escalate(world, world.alpha, ticket)
    for object_id, status in [(900001, "approved"), (900002, "requested"), (900003, "closed")]:
        IndexedRma.objects.create(
            partner_id="beta", object_id=object_id, customer_id=1, customer_name="Copy",
            site_id="CP-1", status=status, category="advance", requested_at=now,
            promised_ship_date=date(2026, 11, 2), serial=f"CP-{object_id}",
            product_model=headset)
    IndexedRma.objects.filter(partner_id="beta", object_id=900001).update(status="closed")
    IndexedRma.objects.filter(partner_id="beta", object_id=900003).update(status="shipped")
    IndexedRma.objects.filter(partner_id="beta", object_id=900002).delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        IndexedRma.objects.filter(partner_id="beta").update(status="received")
        raise RuntimeError("rolled back with the counters")

    counters, counted = open_counts()
    assert counters == counted
    assert counted[("beta", "consoleindex_indexedrma")] == beta_before + 1
    _rows, tickets = crossschema.escalated_tickets()
    _rows, rmas = crossschema.rmas_of_all_partners()
    assert tickets == IndexedTicket.objects.filter(status__in=OPEN_TICKET_STATUSES).count()
    assert rmas == IndexedRma.objects.filter(status__in=OPEN_RMA_STATUSES).count()
    _rows, beta_rmas = crossschema.rmas_of_all_partners(partner_slug="beta")
    assert beta_rmas == beta_before + 1
    # A partner that is no longer active leaves the queues and their counts.
    Partner.objects.filter(pk=world.beta.pk).update(status=Partner.Status.FAILED)
    _rows, rmas_then = crossschema.rmas_of_all_partners()
    assert rmas_then == rmas - beta_rmas


def test_the_open_queue_counts_read_no_index_rows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        crossschema.escalated_tickets()
        crossschema.rmas_of_all_partners()
    for query in queries.captured_queries:
        assert "COUNT(" not in query["sql"].upper(), query["sql"]


def test_the_open_counters_count_the_queues_open_statuses(db):
    # The trigger that keeps OpenCount gets each queue's open statuses as its arguments
    # (migration 0003): a change of the statuses needs a migration of the trigger too.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgargs FROM pg_trigger "
                       "WHERE tgname LIKE 'consoleindex_%%_count_open'")
        arguments = {name: set(bytes(args).decode().split("\0")[:-1])
                     for name, args in cursor.fetchall()}
    assert arguments == {
        "consoleindex_indexedticket_count_open": set(OPEN_TICKET_STATUSES),
        "consoleindex_indexedrma_count_open": set(OPEN_RMA_STATUSES)}
