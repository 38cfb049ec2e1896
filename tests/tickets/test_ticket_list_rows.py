"""The ticket list reads its rows as values (`TicketRow`): its cells write what they write
from the tickets' instances, in English and in French."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from portal.lists import Table, table_rows
from tickets import services
from tickets.models import Ticket
from tickets.tables import TICKET_ROW_VALUES, TicketRow, ticket_columns


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("persona", ["alpha_admin", "alpha_customer1"])
def test_rows_read_as_values_write_the_cells_of_the_tickets_instances(setup, world,
                                                                      language, persona):
    now = timezone.now()
    with tenant_context(world.alpha):
        agent = setup["agent"]
        agent.first_name, agent.last_name = "Ada", "Lovelace <L>"
        agent.save()
        for index, priority in enumerate(["P1", "P2", "P3", "P4"]):
            services.open_ticket(user=setup["user"], customer=setup["customer"],
                                 subject=f"Row & <{index}>", description="No sound.",
                                 category="technical", priority=priority)
        tickets = list(Ticket.objects.order_by("pk"))
        Ticket.objects.filter(pk=tickets[0].pk).update(
            assignee=agent, escalation_level=Ticket.Level.VENDOR, cloud_partner="zoom")
        Ticket.objects.filter(pk=tickets[1].pk).update(
            status=Ticket.Status.RESOLVED, resolved_at=now)
        Ticket.objects.filter(pk=tickets[2].pk).update(
            response_due_at=now - timedelta(hours=3), first_response_at=None)
        Ticket.objects.filter(pk=tickets[3].pk).update(status=Ticket.Status.WAITING)
        user = world[persona].user
        listed = services.with_breach_flag(Ticket.objects.order_by("pk"), now)
        instances = list(listed.select_related("customer", "assignee"))
        values = [TicketRow(row) for row in listed.values(*TICKET_ROW_VALUES)]
        with translation.override(language):
            columns = ticket_columns(user, now, selectable=not user.is_customer_user)
            built = table_rows(Table(columns, instances, empty=""))
            read = table_rows(Table(columns, values, empty=""))
    assert read == built
    assert read.count("<tr>") == 4
    assert ("Ada Lovelace &lt;L&gt;" in read) == (persona == "alpha_admin")
