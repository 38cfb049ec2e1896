"""The console's queues read the console's index, copied from every partner's tables in raw
SQL (tickets/queries.py); their "open", "breached" and "escalated" must be the ticket
models' own rules."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from console import crossschema
from tickets import services
from tickets.models import Breach, Rma, Ticket
from tickets.queries import index_tickets


def _ticket(world, subject, **fields):
    with tenant_context(world.alpha):
        ticket = services.open_ticket(
            user=world["alpha_agent"].user, customer=world.customer(world.alpha, "AL-0001"),
            subject=subject, description="No video", category="technical", priority="P2")
        # Written straight to the table: the index row is written as the services do.
        Ticket.objects.filter(pk=ticket.pk).update(escalation_level="vendor", **fields)
        index_tickets([ticket.pk])
        return ticket


def test_the_queue_flags_as_breached_exactly_what_the_model_calls_breached(world):
    now = timezone.now()
    hour = timedelta(hours=1)
    _ticket(world, "answered in time", response_due_at=now + hour,
            resolution_due_at=now + 8 * hour)
    _ticket(world, "no answer, response due passed", first_response_at=None,
            response_due_at=now - hour, resolution_due_at=now + 8 * hour)
    _ticket(world, "answered, response due passed", first_response_at=now - 2 * hour,
            response_due_at=now - hour, resolution_due_at=now + 8 * hour)
    _ticket(world, "resolution due exactly now", first_response_at=now - 2 * hour,
            response_due_at=now - hour, resolution_due_at=now)
    recorded = _ticket(world, "breach recorded", first_response_at=now - 2 * hour,
                       response_due_at=now + hour, resolution_due_at=now + 8 * hour)
    with tenant_context(world.alpha):
        Breach.objects.create(ticket=recorded, target="response", priority="P2",
                              due_at=now - hour)
        index_tickets([recorded.pk])
        by_model = set(Ticket.objects.escalated().breached(now).values_list(
            "subject", flat=True))

    rows, _total = crossschema.escalated_tickets(status="", partner_slug="alpha", now=now)
    assert {row.subject for row in rows if row.breached} == by_model == {
        "no answer, response due passed", "resolution due exactly now", "breach recorded"}


def test_the_queues_open_filter_is_the_models_open(world):
    for status in Ticket.Status.values:
        _ticket(world, f"status {status}", status=status)
    with tenant_context(world.alpha):
        open_by_model = set(Ticket.objects.escalated().open().values_list("subject", flat=True))
    rows, _total = crossschema.escalated_tickets(status="open", partner_slug="alpha")
    assert {row.subject for row in rows} == open_by_model == {
        "status new", "status in_progress", "status waiting"}


def test_an_open_replacement_is_what_the_one_open_rma_per_device_rule_counts():
    assert set(Rma.OPEN_STATUSES) == set(Rma.Status.values) - {"closed", "rejected"}
