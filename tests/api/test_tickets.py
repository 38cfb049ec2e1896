"""Tickets through the API: opened by Site ID, the ticket list's filters, and the
conversation, where internal notes exist for partner staff only."""

from django.core import mail
from django_tenants.utils import tenant_context

from tests.api.conftest import INTERNAL_NOTE
from tickets.models import Comment, Ticket


def test_staff_open_a_ticket_with_the_customers_site_id(world, api, samples):
    response = api("alpha_agent").post("/api/v1/tickets", {
        "site_id": "al-0002", "subject": "Room 4 video bar", "description": "No picture",
        "priority": "P2", "category": "hardware", "device_serial": "al0002hs01"})
    assert response.status_code == 201
    data = response.json()
    assert data["reference"].startswith("T-") and data["customer"]["site_id"] == "AL-0002"
    assert data["priority"] == "P2" and data["status"] == "new"
    assert data["device"]["serial"] == "AL0002HS01"
    assert data["response_due_at"] and data["escalation_level"] == "partner"


def test_a_customer_users_own_site_id_is_implied(world, api, samples):
    response = api("alpha_customer1").post("/api/v1/tickets", {
        "site_id": "AL-0002", "subject": "Help", "description": "Please"})
    assert response.status_code == 201
    data = response.json()
    assert data["customer"]["site_id"] == "AL-0001"
    assert data["escalation_level"] is None and data["assignee"] is None


def test_a_customer_user_cannot_name_another_customers_device(world, api, samples):
    response = api("alpha_customer1").post("/api/v1/tickets", {
        "subject": "Help", "description": "Please", "device_serial": "AL0002HS01"})
    assert response.status_code == 422
    assert "device_serial" in response.json()["errors"]


def test_opening_a_ticket_sends_the_pages_emails(world, api, samples,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api("alpha_agent").post("/api/v1/tickets", {
            "site_id": "AL-0001", "subject": "Mail me", "description": "Please"})
    assert any("Mail me" in message.subject for message in mail.outbox)


def test_the_list_filters_like_the_ticket_page(world, api, samples):
    with tenant_context(world.alpha):
        Ticket.objects.filter(customer__site_id="AL-0002").update(status="resolved",
                                                                  priority="P1")
    other = samples["AL-0002"].customer.pk
    client, pages = api("alpha_agent"), world["alpha_agent"].client()
    for filters, page_filters in (({"status": "open"}, None), ({"priority": "P1"}, None),
                                  ({"q": "Customer Two"}, None),
                                  ({"status": "resolved", "priority": "P1"}, None),
                                  ({"site_id": "AL-0002"}, {"customer": other})):
        page = pages.get("/tickets/", page_filters or filters)
        expected = [ticket.pk for ticket in page.context["page"].object_list]
        got = [item["id"] for item in client.get("/api/v1/tickets", filters).json()["items"]]
        assert got == expected and got, filters


def test_a_customer_user_filters_within_their_own_tickets(world, api, samples):
    items = api("alpha_customer1").get("/api/v1/tickets", {"site_id": "AL-0002"}).json()
    assert [item["customer"]["site_id"] for item in items["items"]] == ["AL-0001"]


def test_staff_read_internal_notes_customer_users_never(world, api, samples):
    ticket = samples["AL-0001"].ticket
    path = f"/api/v1/tickets/{ticket.pk}/comments"
    staff = api("alpha_agent").get(path).json()["items"]
    assert [comment["internal"] for comment in staff] == [False, True]
    customer = api("alpha_customer1").get(path).json()["items"]
    assert [comment["body"] for comment in customer] == ["We are looking into it"]
    assert INTERNAL_NOTE not in api("alpha_customer1").get(f"/api/v1/tickets/{ticket.pk}") \
        .content.decode()


def test_staff_write_internal_notes_that_customers_do_not_see(world, api, samples):
    ticket = samples["AL-0001"].ticket
    path = f"/api/v1/tickets/{ticket.pk}/comments"
    response = api("alpha_admin").post(path, {"body": "Check the cable", "internal": True})
    assert response.status_code == 201 and response.json()["internal"] is True
    bodies = [c["body"] for c in api("alpha_customer1").get(path).json()["items"]]
    assert "Check the cable" not in bodies


def test_a_customer_user_may_not_write_an_internal_note(world, api, samples):
    ticket = samples["AL-0001"].ticket
    response = api("alpha_customer1").post(f"/api/v1/tickets/{ticket.pk}/comments",
                                           {"body": "Secret?", "internal": True})
    assert response.status_code == 422
    assert response.json()["detail"] == "Customer users cannot write internal notes."
    with tenant_context(world.alpha):
        assert not Comment.objects.filter(body="Secret?").exists()


def test_a_customer_user_answers_their_ticket(world, api, samples):
    ticket = samples["AL-0001"].ticket
    response = api("alpha_customer1").post(f"/api/v1/tickets/{ticket.pk}/comments",
                                           {"body": "Still crackling"})
    assert response.status_code == 201
    data = response.json()
    assert data["body"] == "Still crackling" and data["internal"] is False
    page = api("alpha_customer1").get(f"/api/v1/tickets/{ticket.pk}/comments").json()
    assert page["items"][-1] == data


def test_an_empty_answer_is_refused_with_the_pages_words(world, api, samples):
    ticket = samples["AL-0001"].ticket
    response = api("alpha_agent").post(f"/api/v1/tickets/{ticket.pk}/comments",
                                       {"body": "  "})
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["Write a message."]}


def test_the_status_workflow_through_the_api(world, api, samples):
    ticket = samples["AL-0001"].ticket
    agent = api("alpha_agent")
    response = agent.post(f"/api/v1/tickets/{ticket.pk}/status", {"status": "waiting"})
    assert response.status_code == 200 and response.json()["status"] == "waiting"
    # a customer user may not move a waiting ticket on; the workflow's message says why
    refused = api("alpha_customer1").post(f"/api/v1/tickets/{ticket.pk}/status",
                                          {"status": "resolved"})
    assert refused.status_code == 422
    assert refused["Content-Type"].startswith("application/problem+json")
    assert api("alpha_agent", scope="read").post(
        f"/api/v1/tickets/{ticket.pk}/status", {"status": "resolved"}).status_code == 403


def test_partner_staff_escalate_through_the_api(world, api, samples):
    ticket = samples["AL-0001"].ticket
    response = api("alpha_agent").post(f"/api/v1/tickets/{ticket.pk}/escalations",
                                       {"reason": "Firmware crash"})
    assert response.status_code == 200 and response.json()["escalation_level"] == "vendor"
    assert api("alpha_customer1").post(f"/api/v1/tickets/{ticket.pk}/escalations",
                                       {"reason": "Please"}).status_code == 404
    assert api("beta_agent", host="alpha.localhost").post(
        f"/api/v1/tickets/{ticket.pk}/escalations", {"reason": "x"}).status_code == 401
