"""Escalation partner → vendor support → specialist and the console's queue (SPEC §7)."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from console import crossschema
from portal.consoleindex.models import IndexedTicket
from tickets import services
from tickets.models import Comment, Escalation, Ticket


def open_for(world, tenant, site_id, subject="Room down", by="agent"):
    with tenant_context(tenant):
        return services.open_ticket(
            user=world[f"{tenant.slug}_{by}"].user, customer=world.customer(tenant, site_id),
            subject=subject, description="No video", category="technical", priority="P2")


def escalate(world, tenant, ticket, reason="Firmware crash we cannot explain"):
    return world[f"{tenant.slug}_agent"].client().post(
        f"/tickets/{ticket.pk}/update/", {"level": "vendor", "reason": reason})


def test_an_agent_escalates_to_vendor_support_with_a_reason(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    assert escalate(world, world.alpha, ticket).status_code == 302
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        step = Escalation.objects.get(ticket=ticket)
    assert ticket.escalation_level == "vendor" and ticket.escalated_at is not None
    assert (step.from_level, step.to_level, step.actor_email, step.from_vendor) == (
        "partner", "vendor", "agent@alpha.example", False)
    assert step.reason == "Firmware crash we cannot explain"


def test_an_escalation_needs_a_reason(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket, reason="")
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        assert ticket.escalation_level == "partner" and not Escalation.objects.exists()


def test_an_agent_cannot_send_a_ticket_straight_to_a_specialist(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    with tenant_context(world.alpha), pytest.raises(ValidationError):
        services.escalate(ticket, user=world["alpha_agent"].user, to_level="specialist",
                          reason="Hurry")


def test_a_customer_user_cannot_escalate(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    response = world["alpha_customer1"].client().post(
        f"/tickets/{ticket.pk}/update/", {"level": "vendor", "reason": "Please"})
    assert response.status_code == 400
    with tenant_context(world.alpha):
        assert not Escalation.objects.filter(ticket=ticket).exists()


def test_escalation_details_are_not_shown_to_customer_users(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket, reason="SECRET-REASON")
    page = world["alpha_customer1"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    assert "SECRET-REASON" not in page
    assert "SECRET-REASON" in world["alpha_agent"].client().get(
        f"/tickets/{ticket.pk}/").content.decode()


def test_the_queue_shows_escalated_tickets_of_every_partner_only(world):
    kept = open_for(world, world.alpha, "AL-0001", subject="Alpha escalated")
    open_for(world, world.alpha, "AL-0002", subject="Alpha not escalated")
    beta = open_for(world, world.beta, "BE-0001", subject="Beta escalated")
    escalate(world, world.alpha, kept)
    escalate(world, world.beta, beta)
    page = world["support_engineer"].client().get("/escalations/").content.decode()
    assert "Alpha escalated" in page and "Beta escalated" in page
    assert "Alpha not escalated" not in page


@pytest.mark.parametrize("persona", ["vendor_admin", "csm"])
def test_only_support_engineers_open_the_queue(world, persona):
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket)
    client = world[persona].client()
    assert client.get("/escalations/").status_code == 404
    assert client.get(f"/escalations/alpha/{ticket.pk}/").status_code == 404


def test_an_engineer_sees_escalated_tickets_only(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    client = world["support_engineer"].client()
    assert client.get(f"/escalations/alpha/{ticket.pk}/").status_code == 404
    escalate(world, world.alpha, ticket)
    assert client.get(f"/escalations/alpha/{ticket.pk}/").status_code == 200
    assert client.get(f"/escalations/beta/{ticket.pk}/").status_code == 404
    assert client.get(f"/escalations/nowhere/{ticket.pk}/").status_code == 404


def test_partner_users_cannot_reach_the_queue(world):
    for persona in ("alpha_admin", "alpha_agent", "alpha_customer1"):
        assert world[persona].client().get("/escalations/").status_code == 404


def test_an_engineer_answers_and_the_customer_sees_the_public_answer(world):
    ticket = open_for(world, world.alpha, "AL-0001", by="customer1")
    escalate(world, world.alpha, ticket)
    engineer = world["support_engineer"].client()
    engineer.post(f"/escalations/alpha/{ticket.pk}/update/",
                  {"body": "Update the firmware to 10.2"})
    engineer.post(f"/escalations/alpha/{ticket.pk}/update/",
                  {"body": "ENGINEER-ONLY", "internal": "on"})
    with tenant_context(world.alpha):
        answer = Comment.objects.get(ticket=ticket, internal=False)
        ticket.refresh_from_db()
    assert answer.author is None and answer.from_vendor
    assert answer.author_name == world["support_engineer"].user.display_name
    assert ticket.first_response_at is not None
    page = world["alpha_customer1"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Update the firmware to 10.2" in page and "ENGINEER-ONLY" not in page


def test_an_engineer_takes_it_to_a_specialist_and_hands_it_back(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket)
    engineer = world["support_engineer"].client()
    engineer.post(f"/escalations/alpha/{ticket.pk}/update/",
                  {"level": "specialist", "reason": "Audio DSP expertise"})
    engineer.post(f"/escalations/alpha/{ticket.pk}/update/",
                  {"level": "partner", "reason": "Fixed by a setting"})
    with tenant_context(world.alpha):
        steps = list(Escalation.objects.filter(ticket=ticket).values_list(
            "from_level", "to_level", "from_vendor"))
        ticket.refresh_from_db()
        # vendor staff leave no dangling user id in the history
        assert all(h.history_user_id in (None, world["alpha_agent"].user.pk)
                   for h in ticket.history.all())
    assert steps == [("partner", "vendor", False), ("vendor", "specialist", True),
                     ("specialist", "partner", True)]
    assert ticket.escalation_level == "partner"
    assert engineer.get(f"/escalations/alpha/{ticket.pk}/").status_code == 404


def test_an_engineer_changes_the_status(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket)
    world["support_engineer"].client().post(f"/escalations/alpha/{ticket.pk}/update/",
                                            {"status": "resolved"})
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_the_queue_costs_the_same_queries_for_2_or_20_partners(world, query_count_baseline):
    from portal.tenants.models import Partner

    def queue_queries():
        with query_count_baseline("escalation queue") as queries:
            tickets, total = crossschema.escalated_tickets()
        return queries.count, total

    before = crossschema.escalated_tickets()[1]
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket)
    few, total = queue_queries()
    # 18 more partners, each with an escalated ticket in the console's index.
    many_schemas = [Partner(slug=f"extra{index}", schema_name=f"extra{index}",
                            name=f"Extra {index}", status=Partner.Status.ACTIVE)
                    for index in range(18)]
    # The baseline holds `few`: the index's page (and the search path).
    assert total == before + 1
    Partner.objects.bulk_create(many_schemas)
    IndexedTicket.objects.bulk_create([
        IndexedTicket(partner_id=partner.schema_name, object_id=1, customer_id=1,
                      customer_name="Extra", site_id="EX-1", subject="Extra", priority="P2",
                      status="new", escalation_level="vendor") for partner in many_schemas])
    assert Partner.objects.partners().filter(status="active").count() == 20
    many, total = queue_queries()
    assert (many, total) == (few, before + 19)


ACTIONS = [("update/", {"body": "hello"}), ("update/", {"status": "resolved"}),
           ("watch/", {"watch": "1"}), ("update/", {"priority": "P1", "category": "other"}),
           ("update/", {"level": "vendor", "reason": "x"}),
           ("update/", {"cloud_partner": "zoom", "findings": "x"})]


@pytest.mark.parametrize("suffix,data", ACTIONS)
def test_no_action_reaches_another_partners_or_customers_ticket(world, suffix, data):
    ticket = open_for(world, world.alpha, "AL-0001", by="customer1")
    with tenant_context(world.beta):
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
    for persona in ("beta_admin", "beta_agent", "beta_customer1", "alpha_customer2"):
        response = world[persona].client().post(f"/tickets/{ticket.pk}/{suffix}", data)
        assert response.status_code == 404, persona
    with tenant_context(world.alpha):
        unchanged = Ticket.objects.get(pk=ticket.pk)
        assert (unchanged.status, unchanged.priority, unchanged.escalation_level,
                unchanged.cloud_partner, unchanged.comments.count(),
                unchanged.watchers.count()) == ("new", "P2", "partner", "", 0, 1)


def test_the_console_refuses_another_partners_ticket_id_and_actions_on_it(world):
    ticket = open_for(world, world.alpha, "AL-0001")
    escalate(world, world.alpha, ticket)
    engineer = world["support_engineer"].client()
    for suffix, data in ACTIONS:
        if suffix in ("watch/", "update/"):
            continue
        assert engineer.post(f"/escalations/beta/{ticket.pk}/{suffix}", data).status_code == 404
