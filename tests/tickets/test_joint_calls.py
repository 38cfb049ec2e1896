"""A cloud-partner incident can record joint calls with the cloud partner (requested,
scheduled, participants, outcome), shown on the ticket page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from tests.tickets.test_cloud import TODAY, letter, open_for, open_incident
from tickets import services
from tickets.models import JointCall

CALL = {"requested_at": "2026-11-25T10:00", "scheduled_for": "2026-11-26T15:30",
        "participants": "Jane Roe (customer)\nMicrosoft Teams engineer",
        "outcome": ""}


@pytest.fixture
def incident(world):
    ticket = open_for(world)
    letter(world, expires_on=TODAY + timedelta(days=30))
    return open_incident(world, ticket)


def test_staff_record_a_joint_call_and_its_outcome_and_everyone_sees_it(world, incident):
    agent = world["alpha_agent"].client()
    response = agent.post(f"/tickets/{incident.pk}/joint-calls/", CALL)
    assert response.status_code == 302 and response["Location"].endswith("#joint-calls")
    with tenant_context(world.alpha):
        call = JointCall.objects.get(ticket=incident)
    assert call.participants.startswith("Jane Roe") and call.recorded_by
    page = agent.get(f"/tickets/{incident.pk}/").content.decode()
    assert "Joint calls with the cloud partner" in page and "not recorded yet" in page
    assert "26/11/2026 15:30" in page  # the partner's day-first dates
    agent.post(f"/tickets/{incident.pk}/joint-calls/{call.pk}/outcome/",
               {"outcome": "Room account policy fixed by Microsoft"})
    customer_page = world["alpha_customer1"].client().get(
        f"/tickets/{incident.pk}/").content.decode()
    assert "Room account policy fixed by Microsoft" in customer_page
    assert "Record a joint call" not in customer_page


def test_no_joint_call_without_an_incident(world):
    ticket = open_for(world)
    with tenant_context(world.alpha), pytest.raises(ValidationError):
        services.record_joint_call(ticket, user=world["alpha_agent"].user,
                                   requested_at=TODAY, scheduled_for=None, participants="x")
    world["alpha_agent"].client().post(f"/tickets/{ticket.pk}/joint-calls/", CALL)
    with tenant_context(world.alpha):
        assert not JointCall.objects.exists()
    page = world["alpha_agent"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    assert "joint-calls" not in page


def test_a_call_is_not_scheduled_before_it_was_requested(world, incident):
    world["alpha_agent"].client().post(f"/tickets/{incident.pk}/joint-calls/", {
        **CALL, "scheduled_for": "2026-11-24T09:00"})
    with tenant_context(world.alpha):
        assert not JointCall.objects.exists()


def test_other_partners_and_customers_get_404(world, incident):
    with tenant_context(world.alpha):
        call = services.record_joint_call(
            incident, user=world["alpha_agent"].user, requested_at=incident.created_at,
            scheduled_for=None, participants="Jane Roe")
    add = f"/tickets/{incident.pk}/joint-calls/"
    outcome = f"/tickets/{incident.pk}/joint-calls/{call.pk}/outcome/"
    for persona in ("beta_agent", "beta_admin", "alpha_customer1", "alpha_customer2"):
        client = world[persona].client()
        assert client.post(add, CALL).status_code == 404, persona
        assert client.post(outcome, {"outcome": "x"}).status_code == 404, persona
    other = open_for(world, "AL-0002")
    assert world["alpha_agent"].client().post(
        f"/tickets/{other.pk}/joint-calls/{call.pk}/outcome/",
        {"outcome": "x"}).status_code == 404
    with tenant_context(world.alpha):
        assert JointCall.objects.get().outcome == ""
