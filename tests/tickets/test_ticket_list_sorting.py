"""The ticket list sorts by its columns and shares its filters with its CSV export."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from tickets.models import Ticket

from .test_tickets import open_for


def subjects(client, **params):
    return [t.subject for t in client.get("/tickets/", params).context["page"].object_list]


def due_in(world, ticket, delta):
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=ticket.pk).update(
            resolution_due_at=None if delta is None else timezone.now() + delta)


def test_sorted_by_sla_due_the_most_urgent_comes_first(world):
    due_in(world, open_for(world, subject="In three days"), timedelta(days=3))
    due_in(world, open_for(world, subject="In two hours"), timedelta(hours=2))
    due_in(world, open_for(world, subject="Clock stopped"), None)
    client = world["alpha_agent"].client()
    assert subjects(client, sort="sla_due") == ["In two hours", "In three days",
                                                "Clock stopped"]
    # Reversed, tickets whose clock is stopped still come last.
    assert subjects(client, sort="-sla_due") == ["In three days", "In two hours",
                                                 "Clock stopped"]


def test_sorted_by_priority_and_by_customer(world):
    open_for(world, subject="Low", priority="P4")
    open_for(world, site_id="AL-0002", subject="Critical", priority="P1")
    open_for(world, subject="High", priority="P2")
    client = world["alpha_agent"].client()
    assert subjects(client, sort="priority") == ["Critical", "High", "Low"]
    assert subjects(client, sort="-customer")[0] == "Critical"  # Alpha Customer Two


def test_an_unknown_sort_keeps_the_usual_order(world):
    for subject in ("First", "Second", "Third"):
        open_for(world, subject=subject)
    client = world["alpha_agent"].client()
    usual = subjects(client)
    for sort in ("description", "-", "customer__users__password", "pk;drop"):
        response = client.get("/tickets/", {"sort": sort})
        assert response.status_code == 200
        assert [t.subject for t in response.context["page"].object_list] == usual


def test_column_headers_sort_and_keep_the_filters(world):
    open_for(world, subject="Headset crackles", priority="P2")
    client = world["alpha_agent"].client()
    body = client.get("/tickets/", {"priority": "P2"}).content.decode()
    assert 'href="?priority=P2&amp;sort=sla_due"' in body
    body = client.get("/tickets/", {"priority": "P2", "sort": "sla_due"}).content.decode()
    assert 'aria-sort="ascending"' in body
    assert 'href="?priority=P2&amp;sort=-sla_due"' in body  # a second click reverses it
    assert '<input type="hidden" name="sort" value="sla_due">' in body


def test_a_customer_user_cannot_sort_by_customer_columns_they_do_not_see(world):
    open_for(world, subject="Ours")
    body = world["alpha_customer1"].client().get("/tickets/").content.decode()
    assert "sort=customer" not in body and "sort=sla_due" in body


def test_the_csv_export_lists_what_the_page_lists(world):
    open_for(world, subject="Headset crackles", priority="P2")
    open_for(world, site_id="AL-0002", subject="Phone reboots")
    client = world["alpha_agent"].client()
    for params in ({"priority": "P2"}, {"q": "reboots"}, {"q": "al-000", "sort": "customer"}):
        listed = subjects(client, **params)
        lines = client.get("/tickets/", {**params, "format": "csv"}).content.decode()
        exported = [line.split(",")[3] for line in lines.splitlines()[1:]]
        assert exported == listed and listed, params
