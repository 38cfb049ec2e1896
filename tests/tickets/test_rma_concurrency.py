"""Replacements under real concurrency: threads, each with its own database connection, on
committed rows (what the test's own rolled-back transaction writes, other connections never
see). The rows are made for a customer of their own and deleted afterwards."""

import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from contracts.models import Contract, Customer
from inventory.models import Device
from portal.catalogue.models import ProductModel
from tests.factories import ContractFactory, forget_console_index_rows
from tests.threads import at_once
from tickets import services as ticket_services
from tickets.models import Rma, Ticket
from tickets.rma import services as rma_services

PARIS = ZoneInfo("Europe/Paris")
REQUESTED = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
APPROVED = datetime(2026, 3, 2, 11, 0, tzinfo=PARIS)
TEN = 10


@pytest.fixture
def committed(world):
    """A customer of Alpha with 100 contracted headsets (5 free replacements a year at the
    5 % threshold) and ten headsets, committed by a connection of its own (the test's own
    transaction still sees them: it reads what is committed); deleted at the end."""

    def make():
        headset = ProductModel.objects.get(sku="VOY-TEST")
        customer = Customer.objects.create(name="Concurrent SA", site_id="AL-CONC",
                                           country="FR", time_zone="Europe/Paris")
        ContractFactory(customer=customer, start=date(2025, 1, 1), end=date(2027, 12, 31),
                        lines={"headsets": (100, 0, Decimal("20.00"))})
        devices = [Device.objects.create(serial=f"CONC-{index:02d}", product_model=headset,
                                         customer=customer)
                   for index in range(TEN)]
        return customer, devices

    def delete():
        Rma.objects.filter(customer__site_id="AL-CONC").delete()
        Ticket.objects.filter(customer__site_id="AL-CONC").delete()
        Device.objects.filter(customer__site_id="AL-CONC").delete()
        Contract.objects.filter(customer__site_id="AL-CONC").delete()
        Customer.objects.filter(site_id="AL-CONC").delete()
        forget_console_index_rows(world.alpha, "AL-CONC")

    made = at_once(world.alpha, [make])[0]
    try:
        assert not isinstance(made, Exception), made
        customer, devices = made
        with tenant_context(world.alpha):
            yield {"tenant": world.alpha, "customer": customer, "devices": devices,
                   "agent": world["alpha_agent"].user}
    finally:
        deleted = at_once(world.alpha, [delete])[0]
        assert not isinstance(deleted, Exception), deleted


def test_ten_concurrent_approvals_of_one_customer_all_succeed_with_serialised_charges(
        committed):
    customer, agent = committed["customer"], committed["agent"]
    def requests():
        return [rma_services.request_rma(user=committed["agent"], customer=customer,
                                         serial=device.serial, fault="Does not charge",
                                         now=REQUESTED)
                for device in committed["devices"]]

    rmas = at_once(committed["tenant"], [requests])[0]

    def approval(rma):
        return lambda: rma_services.advance(rma, "approved", user=agent, now=APPROVED)

    results = at_once(committed["tenant"], [approval(rma) for rma in rmas])

    assert [type(result).__name__ for result in results] == ["Rma"] * TEN, results
    approved = Rma.objects.filter(customer=customer).order_by("chargeable")
    assert [rma.status for rma in approved] == ["approved"] * TEN
    # As if approved one after the other: the first five free, the next five at list price.
    assert [rma.chargeable for rma in approved] == [False] * 5 + [True] * 5
    assert sum(rma.charge or 0 for rma in approved) == 5 * Decimal("100.00")
    rate = rma_services.headset_rate(customer, 2026, date(2026, 3, 2))
    assert (rate.approved, rate.chargeable, rate.charges) == (TEN, 5, Decimal("500.00"))


def test_the_same_request_sent_twice_at_once_makes_one_rma_and_names_it(committed):
    customer, device = committed["customer"], committed["devices"][0]

    def request():
        return rma_services.request_rma(user=committed["agent"], customer=customer,
                                        serial=device.serial, fault="Does not charge",
                                        now=REQUESTED)

    results = at_once(committed["tenant"], [request, request])

    made = [result for result in results if isinstance(result, Rma)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].message_dict["serial"] == [
        f"A replacement of this device is already under way: {made[0].reference}."]
    assert Rma.objects.filter(device=device).count() == 1


def test_a_request_from_a_ticket_and_a_status_change_of_that_ticket_do_not_deadlock(
        committed, monkeypatch):
    """The request holds the customer's lock and then refers to the ticket (its foreign key
    check takes a share lock on the ticket's row); the status change locks the ticket. If
    the status change also locked the customer's row (as a bare select_for_update joined
    to it did), each would wait for the other."""
    customer, agent, device = committed["customer"], committed["agent"], committed["devices"][0]

    def open_a_ticket():
        return ticket_services.open_ticket(
            user=agent, customer=customer, subject="No sound", description="No sound",
            category=Ticket.Category.HARDWARE, priority=Ticket.Priority.P3)

    ticket = at_once(committed["tenant"], [open_a_ticket])[0]
    holds_the_customer, go_on = threading.Event(), threading.Event()
    real_open_rma_of, calls = rma_services.open_rma_of, []

    def open_rma_of(device):
        if threading.current_thread().name == "request":
            calls.append(device)
            if len(calls) == 2:  # the re-check: the customer and the device are locked
                holds_the_customer.set()
                go_on.wait(timeout=30)
        return real_open_rma_of(device)

    monkeypatch.setattr(rma_services, "open_rma_of", open_rma_of)

    def request():
        return rma_services.request_rma(user=agent, customer=customer, serial=device.serial,
                                        fault="No sound", ticket=ticket, now=REQUESTED)

    def change_status():
        assert holds_the_customer.wait(timeout=30)
        # The status change gets its ticket's lock first, then the request goes on.
        threading.Timer(1.0, go_on.set).start()
        return ticket_services.change_status(ticket, Ticket.Status.IN_PROGRESS, user=agent)

    results = at_once(committed["tenant"], [request, change_status], names=["request", None])

    assert [type(result).__name__ for result in results] == ["Rma", "Ticket"], results
