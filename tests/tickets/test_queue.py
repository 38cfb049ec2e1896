"""The ticket queue ranked by urgency: the time left or over for the target that comes next,
the default order by that due instant, the preset views and the bulk changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tickets import services
from tickets.models import Ticket
from tickets.tables import sla_cell, time_left

from .test_tickets import open_for

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def row(**fields):
    """A ticket as the list reads it, without the database."""
    values = {"status": "in_progress", "first_response_at": None, "response_due_at": None,
              "resolution_due_at": None, "sla_breached": False}
    values.update(fields)
    ticket = Ticket(**{k: v for k, v in values.items() if k != "sla_breached"})
    ticket.sla_breached = values["sla_breached"]
    return ticket


@pytest.mark.parametrize("fields,state,text", [
    # Not answered yet: the response is the next target.
    ({"response_due_at": NOW + timedelta(hours=2, minutes=10),
      "resolution_due_at": NOW + timedelta(days=1)},
     "soon", "2 h 10 min left (response)"),
    # Answered: the resolution comes next, three hours late.
    ({"first_response_at": NOW - timedelta(hours=5),
      "response_due_at": NOW - timedelta(hours=4), "resolution_due_at": NOW - timedelta(hours=3)},
     "over", "3 h over (resolution)"),
    ({"first_response_at": NOW, "resolution_due_at": NOW + timedelta(days=2, hours=4)},
     "ok", "2 d 4 h left (resolution)"),
    ({"response_due_at": NOW - timedelta(minutes=25)}, "over", "25 min over (response)"),
])
def test_the_time_left_or_over_is_for_the_next_target(fields, state, text, settings):
    settings.TICKET_SLA_WARNING_MINUTES = 4 * 60
    ticket = row(**fields)
    target, due_at = ticket.next_target
    assert time_left(target, due_at, NOW) == (state, text)
    assert f'class="sla sla--{state}"' in sla_cell(NOW)(ticket)


def test_soon_follows_its_setting(settings):
    ticket = row(response_due_at=NOW + timedelta(hours=2))
    settings.TICKET_SLA_WARNING_MINUTES = 60
    assert time_left(*ticket.next_target, NOW)[0] == "ok"
    settings.TICKET_SLA_WARNING_MINUTES = 120
    assert time_left(*ticket.next_target, NOW)[0] == "soon"


def test_a_stopped_clock_and_a_closed_ticket_have_no_time_left():
    assert row(status="waiting").next_target is None
    assert sla_cell(NOW)(row(status="waiting")) == "Clock stopped"
    closed = row(status="closed", resolution_due_at=NOW, sla_breached=True)
    assert closed.next_target is None and "Breached" in sla_cell(NOW)(closed)


def test_the_french_figure(settings):
    from django.utils import translation

    with translation.override("fr"):
        assert time_left("response", NOW + timedelta(hours=2, minutes=10), NOW)[1] == \
            "2 h 10 min restantes (réponse)"
        assert time_left("resolution", NOW - timedelta(hours=3), NOW)[1] == \
            "3 h de retard (résolution)"


def set_due(world, ticket, *, responded, response=None, resolution=None, status=None):
    now = timezone.now()
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=ticket.pk).update(
            first_response_at=now - timedelta(hours=1) if responded else None,
            response_due_at=None if response is None else now + response,
            resolution_due_at=None if resolution is None else now + resolution,
            **({"status": status} if status else {}))


def subjects(client, **params):
    return [t.subject for t in client.get("/tickets/", params).context["page"].object_list]


def test_the_queue_comes_most_urgent_first_by_the_next_target(world):
    hours = timedelta(hours=1)
    set_due(world, open_for(world, subject="Answered, resolution in 5 h"), responded=True,
            response=-2 * hours, resolution=5 * hours)
    set_due(world, open_for(world, subject="Response in 1 h"), responded=False,
            response=hours, resolution=10 * hours)
    set_due(world, open_for(world, subject="Clock stopped"), responded=True, status="waiting")
    set_due(world, open_for(world, subject="Response 3 h over"), responded=False,
            response=-3 * hours, resolution=hours / 2)
    set_due(world, open_for(world, subject="Resolved"), responded=True,
            resolution=-9 * hours, status="resolved")
    client = world["alpha_agent"].client()
    assert subjects(client) == ["Response 3 h over", "Response in 1 h",
                                "Answered, resolution in 5 h", "Clock stopped", "Resolved"]
    page = client.get("/tickets/").content.decode()
    assert "3 h over (response)" in page and "left (resolution)" in page
    assert subjects(client, sort="-sla_due")[:3] == [
        "Answered, resolution in 5 h", "Response in 1 h", "Response 3 h over"]


def test_preset_views(world):
    agent = world["alpha_agent"]
    mine = open_for(world, subject="Mine")
    open_for(world, subject="Nobody's")
    waiting = open_for(world, subject="Waiting")
    with tenant_context(world.alpha):
        services.update_ticket(mine, user=agent.user, priority="P3", category="technical",
                               assignee=agent.user)
        services.change_status(waiting, "waiting", user=agent.user)
        services.escalate(mine, user=agent.user, to_level="vendor", reason="Help")
    client = agent.client()
    assert subjects(client, status="open", assignee="me") == ["Mine"]
    assert "Mine" not in subjects(client, status="open", assignee="none")
    assert subjects(client, status="open", escalated="yes") == ["Mine"]
    assert subjects(client, status="waiting") == ["Waiting"]
    page = client.get("/tickets/", {"status": "open", "assignee": "me"}).content.decode()
    assert 'href="?status=open&amp;assignee=me" aria-current="page"' in page
    customer_page = world["alpha_customer1"].client().get("/tickets/").content.decode()
    assert "assignee=me" not in customer_page and "Waiting on customer" in customer_page
    assert 'id="bulk"' not in customer_page


# --- Bulk changes ------------------------------------------------------------------------

def bulk(client, tickets, **data):
    return client.post("/tickets/bulk/", {"tickets": [t.pk for t in tickets], **data})


def test_bulk_assign_status_and_priority(world, django_capture_on_commit_callbacks):
    agent = world["alpha_agent"]
    first, second = open_for(world, subject="First"), open_for(world, subject="Second")
    response = bulk(agent.client(), [first, second], status="in_progress", priority="P1",
                    assignee=str(agent.user.pk), next="?status=open")
    assert response.status_code == 302 and response["Location"] == "/tickets/?status=open"
    with tenant_context(world.alpha):
        for ticket in (first, second):
            ticket.refresh_from_db()
            assert (ticket.status, ticket.priority, ticket.assignee_id) == (
                "in_progress", "P1", agent.user.pk)
            # Each ticket's own history, as the single update records it.
            assert ticket.history.filter(status="in_progress", priority="P1").exists()


def test_bulk_changes_nothing_when_one_ticket_refuses(world):
    agent = world["alpha_agent"]
    good = open_for(world, subject="Open")
    closed = open_for(world, subject="Closed")
    with tenant_context(world.alpha):
        services.change_status(closed, "resolved", user=agent.user)
        services.change_status(closed, "closed", user=agent.user)
    client = agent.client()
    response = client.post("/tickets/bulk/", {"tickets": [good.pk, closed.pk],
                                              "status": "waiting", "priority": "P1"},
                           follow=True)
    assert "Nothing was changed" in response.content.decode()
    with tenant_context(world.alpha):
        good.refresh_from_db()
        assert (good.status, good.priority) == ("new", "P3")


def test_bulk_message_names_the_refusing_ticket(world):
    agent = world["alpha_agent"]
    client = agent.client()
    closed = open_for(world, subject="Closed")
    with tenant_context(world.alpha):
        services.change_status(closed, "resolved", user=agent.user)
    response = client.post("/tickets/bulk/", {"tickets": [closed.pk], "status": "waiting"},
                           follow=True)
    page = response.content.decode()
    assert "Nothing was changed" in page and closed.reference in page


def test_bulk_refuses_tickets_of_other_partners_and_customers(world):
    alpha_ticket = open_for(world, subject="Alpha's")
    other_customer = open_for(world, site_id="AL-0002", subject="Other customer's")
    # Another partner's staff: the ids do not exist there (primary keys are per partner, so
    # only an id Beta has not used tells it).
    with tenant_context(world.beta):
        beta_ids = set(Ticket.objects.values_list("pk", flat=True))
    if alpha_ticket.pk not in beta_ids:
        for persona in ("beta_admin", "beta_agent"):
            response = bulk(world[persona].client(), [alpha_ticket], priority="P1")
            assert response.status_code == 404, persona
    # Customer users may not change tickets in bulk at all, theirs or another's.
    for persona in ("alpha_customer1", "alpha_customer2"):
        response = bulk(world[persona].client(), [alpha_ticket, other_customer],
                        priority="P1")
        assert response.status_code == 404, persona
    # One id the agent may not see among its own: nothing changes.
    with tenant_context(world.alpha):
        missing = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    response = world["alpha_agent"].client().post(
        "/tickets/bulk/", {"tickets": [alpha_ticket.pk, missing], "priority": "P1"})
    assert response.status_code == 404
    with tenant_context(world.alpha):
        assert Ticket.objects.get(pk=alpha_ticket.pk).priority == "P3"


def test_the_ticket_list_with_bulk_form_costs_the_same_queries(world, query_count_baseline):
    client = world["alpha_admin"].client()
    open_for(world)
    with query_count_baseline("ticket list"):
        client.get("/tickets/", {"status": "open", "assignee": "none"})
    for number in range(12):
        open_for(world, subject=f"Ticket {number}", priority="P1" if number % 2 else "P4")
    with query_count_baseline("ticket list"):
        client.get("/tickets/", {"status": "open", "assignee": "none"})


def test_the_console_queue_shows_the_time_left_of_the_next_target(world):
    ticket = open_for(world, priority="P2")
    with tenant_context(world.alpha):
        services.escalate(ticket, user=world["alpha_agent"].user, to_level="vendor",
                          reason="Help")
    page = world["support_engineer"].client().get("/escalations/").content.decode()
    row = page.split(ticket.reference)[1].split("</tr>")[0]
    assert "left (resolution)" in row and 'class="sla sla--' in row


def test_the_index_of_the_queue_reads_the_open_statuses_of_the_model():
    from tickets.models import OPEN_STATUS_VALUES

    assert tuple(Ticket.OPEN_STATUSES) == OPEN_STATUS_VALUES


def test_the_list_filters_by_customer_and_names_each_with_its_site_id(world):
    open_for(world, "AL-0001", subject="Echo in room one")
    open_for(world, "AL-0002", subject="Echo in room two")
    with tenant_context(world.alpha):
        other = world.customer(world.alpha, "AL-0002")
    body = world["alpha_agent"].client().get(f"/tickets/?customer={other.pk}").content.decode()
    assert "Echo in room two" in body and "Echo in room one" not in body
    assert f'<option value="{other.pk}" selected>{other.name} (AL-0002)</option>' in body
