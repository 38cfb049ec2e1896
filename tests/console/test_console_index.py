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
from contracts import services as contract_services
from inventory.models import Device, InventorySnapshot, SnapshotCount
from portal.catalogue.models import ProductModel
from portal.consoleindex.models import (
    OPEN_RMA_STATUSES,
    OPEN_TICKET_STATUSES,
    IndexedCustomer,
    IndexedReport,
    IndexedRma,
    IndexedTicket,
)
from portal.tenants.models import Partner
from reporting import services as report_services
from tests.factories import ContractFactory
from tickets import services as ticket_services
from tickets.models import Rma, Ticket
from tickets.rma import services as rma_services

MODELS = (IndexedTicket, IndexedRma, IndexedReport, IndexedCustomer)


def index_rows():
    """Every row of the index, as plain values (their own ids left out)."""
    return {(model.__name__, *map(str, values)) for model in MODELS
            for values in model.objects.values_list("partner_id", *model.SOURCE_COLUMNS)}


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
    assert ("IndexedTicket", "alpha", str(ticket.pk)) in {row[:3] for row in kept}
    assert ("IndexedTicket", "alpha", str(handed_back.pk)) not in {row[:3] for row in kept}
    call_command("rebuild_console_index")
    assert index_rows() == kept

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
