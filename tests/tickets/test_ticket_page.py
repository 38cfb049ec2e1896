"""The one-screen ticket: the conversation, a sidebar applied by one *Update* with the reply,
the escalation banner and the customer's panel."""

from django_tenants.utils import tenant_context

from tickets import services

from .test_tickets import open_for


def test_the_ticket_page_costs_the_same_queries_with_more_rows(world, query_count_baseline):
    ticket = open_for(world)
    open_for(world, subject="Another one")
    with tenant_context(world.alpha):
        agent = world["alpha_agent"].user
        services.add_comment(ticket, user=agent, body="First answer")
        services.escalate(ticket, user=agent, to_level="vendor", reason="Needs the vendor")
    client = world["alpha_agent"].client()
    with query_count_baseline("ticket page"):
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
    with tenant_context(world.alpha):
        for number in range(6):
            services.add_comment(ticket, user=agent, body=f"Answer {number}",
                                 internal=number % 2 == 0)
            open_for(world, subject=f"Other {number}")
    with query_count_baseline("ticket page"):
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
