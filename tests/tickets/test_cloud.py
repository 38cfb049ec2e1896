"""Cloud ecosystem partner incidents need a valid signed authorisation letter (SPEC §7)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from contracts.models import AuthorisationLetter
from tickets import services
from tickets.models import CloudNotice, Comment, Ticket

TODAY = date(2026, 11, 25)


def open_for(world, site_id="AL-0001"):
    with tenant_context(world.alpha):
        return services.open_ticket(
            user=world["alpha_customer1"].user, customer=world.customer(world.alpha, site_id),
            subject="Teams Rooms cannot join", description="Meetings fail to start",
            category="cloud", priority="P2")


def letter(world, expires_on, signed_on=date(2026, 1, 10), site_id="AL-0001"):
    with tenant_context(world.alpha):
        return AuthorisationLetter.objects.create(
            customer=world.customer(world.alpha, site_id), signatory="Jane Roe",
            signed_on=signed_on, expires_on=expires_on, original_filename="letter.pdf",
            size=9, file=ContentFile(b"%PDF-1.4\n", name="letter.pdf"))


def open_incident(world, ticket, on_date=TODAY):
    with tenant_context(world.alpha):
        return services.open_cloud_incident(
            ticket, user=world["alpha_agent"].user, cloud_partner="teams",
            incident_number="MS-2611-0042", findings="Tenant policy blocks the room account",
            on_date=on_date)


def test_without_a_letter_no_incident_can_be_opened(world):
    ticket = open_for(world)
    with pytest.raises(ValidationError) as refusal:
        open_incident(world, ticket)
    assert "authorisation letter" in " ".join(refusal.value.messages).lower()
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
    assert ticket.cloud_status == "" and ticket.cloud_incident_number == ""


def test_a_letter_that_expired_the_day_before_is_refused(world):
    ticket = open_for(world)
    letter(world, expires_on=TODAY - timedelta(days=1))
    with pytest.raises(ValidationError) as refusal:
        open_incident(world, ticket)
    assert "expired" in " ".join(refusal.value.messages)


def test_a_letter_expiring_today_is_still_valid(world):
    ticket = open_for(world)
    letter(world, expires_on=TODAY)
    ticket = open_incident(world, ticket)
    assert (ticket.cloud_status, ticket.cloud_partner, ticket.cloud_incident_number) == (
        "open", "teams", "MS-2611-0042")


def test_another_customers_letter_does_not_count(world):
    ticket = open_for(world)
    letter(world, expires_on=TODAY + timedelta(days=300), site_id="AL-0002")
    with pytest.raises(ValidationError):
        open_incident(world, ticket)


def test_the_page_explains_the_refusal_and_offers_the_referral(world):
    ticket = open_for(world)
    page = world["alpha_agent"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    assert "refer the customer" in page
    letter(world, expires_on=TODAY + timedelta(days=300))
    page = world["alpha_agent"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    assert "refer the customer" not in page and 'name="incident_number"' in page


def test_an_agent_posting_open_without_a_letter_gets_the_explanation(world):
    ticket = open_for(world)
    response = world["alpha_agent"].client().post(
        f"/tickets/{ticket.pk}/update/", {"cloud_partner": "zoom", "incident_number": "Z-1",
                                          "findings": "x"})
    assert response.status_code == 400
    assert "authorisation letter" in response.content.decode().lower()
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
    assert ticket.cloud_status == ""


def test_referring_the_customer_records_the_findings_and_tells_them(world):
    ticket = open_for(world)
    world["alpha_agent"].client().post(
        f"/tickets/{ticket.pk}/update/", {"cloud_partner": "zoom",
                                          "findings": "Zoom outage in EU region"})
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        answer = Comment.objects.get(ticket=ticket)
    assert (ticket.cloud_status, ticket.cloud_partner) == ("referred", "zoom")
    assert ticket.cloud_findings == "Zoom outage in EU region"
    assert not answer.internal and "Zoom outage in EU region" in answer.body
    page = world["alpha_customer1"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Zoom outage in EU region" in page


def test_status_notices_are_recorded_and_close_the_incident(world):
    ticket = open_for(world)
    letter(world, expires_on=TODAY + timedelta(days=300))
    ticket = open_incident(world, ticket)
    client = world["alpha_agent"].client()
    client.post(f"/tickets/{ticket.pk}/update/",
                {"cloud_notice": "Microsoft: fix rolling out"})
    client.post(f"/tickets/{ticket.pk}/update/", {"cloud_notice": "Fixed",
                                                  "closes_incident": "on"})
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        notices = list(CloudNotice.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert notices == ["Microsoft: fix rolling out", "Fixed"]
    assert ticket.cloud_status == "closed"


def test_customer_users_cannot_record_cloud_incidents(world):
    ticket = open_for(world)
    response = world["alpha_customer1"].client().post(
        f"/tickets/{ticket.pk}/update/", {"cloud_partner": "zoom", "findings": "x"})
    assert response.status_code == 400
    with tenant_context(world.alpha):
        assert Ticket.objects.get(pk=ticket.pk).cloud_status == ""


def test_the_vendor_engineer_records_a_cloud_incident_from_the_console(world):
    ticket = open_for(world)
    letter(world, expires_on=TODAY + timedelta(days=300))
    with tenant_context(world.alpha):
        services.escalate(ticket, user=world["alpha_agent"].user, to_level="vendor",
                          reason="Teams certification issue")
    world["support_engineer"].client().post(
        f"/escalations/alpha/{ticket.pk}/update/",
        {"cloud_partner": "teams", "incident_number": "MS-77",
         "findings": "Certified firmware needed"})
    with tenant_context(world.alpha):
        assert Ticket.objects.get(pk=ticket.pk).cloud_incident_number == "MS-77"


def test_the_cloud_filter_finds_cloud_tickets(world):
    ticket = open_for(world)
    open_for(world, site_id="AL-0002")
    with tenant_context(world.alpha):
        services.refer_to_cloud_partner(ticket, user=world["alpha_agent"].user,
                                        cloud_partner="webex", findings="Webex side")
    page = world["alpha_agent"].client().get("/tickets/", {"cloud": "yes"})
    assert [t.pk for t in page.context["page"].object_list] == [ticket.pk]
