"""A service desk keeping its tickets in step through the API: updating a ticket with the
page's rules, its number in the other system, and the conversation's files."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from portal.users.models import Role, User
from portal.webhooks.models import Endpoint, Event
from tests.api.conftest import INTERNAL_NOTE
from tickets.models import Attachment, Comment, Ticket

pytestmark = pytest.mark.storage


def ticket_url(sample, suffix=""):
    return f"/api/v1/tickets/{sample.ticket.pk}{suffix}"


# --- Updating a ticket -----------------------------------------------------------------------

def test_staff_change_priority_category_assignee_and_followers_in_one_request(
        world, api, samples):
    agent, sample = world["alpha_agent"].user, samples["AL-0001"]
    response = api("alpha_admin").patch(ticket_url(sample), {
        "priority": "P1", "category": "hardware", "assignee": agent.email,
        "followers": [agent.email, world["alpha_customer1"].user.email]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["priority"], data["category"], data["assignee"]) == ("P1", "hardware",
                                                                      agent.email)
    assert data["followers"] == sorted([agent.email, world["alpha_customer1"].user.email])
    with tenant_context(world.alpha):
        ticket = Ticket.objects.get(pk=sample.ticket.pk)
        assert ticket.priority == "P1" and ticket.assignee_id == agent.pk
        # A new priority moves the SLA target, as on the page.
        assert ticket.resolution_due_at != sample.ticket.resolution_due_at


def test_fields_not_sent_are_left_as_they_are(world, api, samples):
    sample = samples["AL-0001"]
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=sample.ticket.pk).update(
            assignee=world["alpha_agent"].user, priority="P2")
    response = api("alpha_admin").patch(ticket_url(sample), {"category": "software"})
    assert response.status_code == 200
    data = response.json()
    assert data["assignee"] == world["alpha_agent"].user.email and data["priority"] == "P2"
    unassigned = api("alpha_admin").patch(ticket_url(sample), {"assignee": None}).json()
    assert unassigned["assignee"] is None and unassigned["priority"] == "P2"


def test_every_refused_field_is_named_and_nothing_changes(world, api, samples):
    sample = samples["AL-0001"]
    response = api("alpha_admin").patch(ticket_url(sample), {
        "priority": "P9", "category": "none", "assignee": "nobody@alpha.example",
        "followers": ["user2@alpha.example"]})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"priority", "category", "assignee", "followers"} <= set(errors)
    with tenant_context(world.alpha):
        assert Ticket.objects.get(pk=sample.ticket.pk).priority == sample.ticket.priority


def test_a_customer_may_not_be_assigned_nor_follow_another_customers_ticket(
        world, api, samples):
    sample = samples["AL-0002"]
    customer_one = world["alpha_customer1"].user.email
    response = api("alpha_agent").patch(ticket_url(sample), {
        "assignee": customer_one, "followers": [customer_one]})
    assert response.status_code == 422
    assert {"assignee", "followers"} <= set(response.json()["errors"])


def test_a_customer_user_may_close_a_resolved_ticket_but_not_edit_its_fields(
        world, api, samples):
    sample = samples["AL-0001"]
    client = api("alpha_customer1")
    refused = client.patch(ticket_url(sample), {"priority": "P1"})
    assert refused.status_code == 422
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=sample.ticket.pk).update(status="resolved")
    closed = client.patch(ticket_url(sample), {"status": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["followers"] is None  # staff only
    assert client.patch(ticket_url(samples["AL-0002"]),
                        {"status": "closed"}).status_code == 404


def test_a_status_and_an_assignee_refused_together_change_nothing(world, api, samples):
    """All or nothing: the assignee is valid, the status is not (a new ticket cannot go
    back to new from resolved without the workflow): nothing is applied."""
    sample = samples["AL-0001"]
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=sample.ticket.pk).update(status="closed",
                                                           resolved_at="2020-01-01T00:00Z")
    response = api("alpha_admin").patch(ticket_url(sample), {
        "assignee": world["alpha_agent"].user.email, "status": "new"})
    assert response.status_code == 422
    with tenant_context(world.alpha):
        assert Ticket.objects.get(pk=sample.ticket.pk).assignee_id is None


def test_another_partner_cannot_update_alphas_ticket(world, api, samples):
    response = api("beta_admin").patch(f"/api/v1/tickets/{samples['AL-0001'].ticket.pk}",
                                       {"priority": "P1"})
    assert response.status_code == 404


# --- External reference -----------------------------------------------------------------------

def test_a_ticket_opened_with_its_external_reference_is_found_by_it(world, api, samples):
    client = api("alpha_agent")
    opened = client.post("/api/v1/tickets", {
        "site_id": "AL-0001", "subject": "From the PSA", "description": "Synced",
        "external_system": "connectwise", "external_reference": "CW-10042"})
    assert opened.status_code == 201
    assert opened.json()["external_reference"] == "CW-10042"
    found = client.get("/api/v1/tickets", {"external_system": "connectwise",
                                           "external_reference": "CW-10042"}).json()
    assert [item["id"] for item in found["items"]] == [opened.json()["id"]]
    by_search = client.get("/api/v1/tickets", {"q": "cw-10042"}).json()
    assert [item["id"] for item in by_search["items"]] == [opened.json()["id"]]


def test_an_external_reference_is_unique_per_customer_and_system(world, api, samples):
    client = api("alpha_agent")
    first = client.patch(ticket_url(samples["AL-0001"]), {
        "external_system": "autotask", "external_reference": "T20261206.0001"})
    assert first.status_code == 200
    again = client.post("/api/v1/tickets", {
        "site_id": "AL-0001", "subject": "Twice", "description": "Same number",
        "external_system": "autotask", "external_reference": "T20261206.0001"})
    assert again.status_code == 422 and "external_reference" in again.json()["errors"]
    other_system = client.post("/api/v1/tickets", {
        "site_id": "AL-0001", "subject": "Other tool", "description": "Same number",
        "external_system": "servicenow", "external_reference": "T20261206.0001"})
    other_customer = client.patch(ticket_url(samples["AL-0002"]), {
        "external_system": "autotask", "external_reference": "T20261206.0001"})
    assert other_system.status_code == 201 and other_customer.status_code == 200


def test_a_reference_needs_its_system_and_customers_cannot_set_it(world, api, samples):
    no_system = api("alpha_agent").patch(ticket_url(samples["AL-0001"]),
                                         {"external_reference": "CW-1"})
    assert no_system.status_code == 422 and "external_system" in no_system.json()["errors"]
    customer = api("alpha_customer1").patch(ticket_url(samples["AL-0001"]), {
        "external_system": "servicenow", "external_reference": "INC001"})
    assert customer.status_code == 422


def test_webhooks_echo_the_external_reference(world, api, samples):
    with tenant_context(world.alpha):
        endpoint = Endpoint.objects.create(url="https://hooks.example/desk", secret="s" * 32,
                                           events=[Event.TICKET_UPDATED])
    response = api("alpha_agent").patch(ticket_url(samples["AL-0001"]), {
        "external_system": "connectwise", "external_reference": "CW-7"})
    assert response.status_code == 200
    with tenant_context(world.alpha):
        [data] = [delivery.payload["data"] for delivery in endpoint.deliveries.all()]
    assert (data["external_system"], data["external_reference"]) == ("connectwise", "CW-7")
    # Then every change of the ticket carries it.
    api("alpha_agent").patch(ticket_url(samples["AL-0001"]), {"priority": "P1"})
    with tenant_context(world.alpha):
        last = endpoint.deliveries.order_by("-pk").first().payload["data"]
    assert last["external_reference"] == "CW-7" and last["priority"] == "P1"


# --- Attachments ------------------------------------------------------------------------------

def test_customer_users_never_see_an_internal_notes_files(world, api, samples):
    sample = samples["AL-0001"]
    customer, agent = api("alpha_customer1"), api("alpha_agent")
    listed = customer.get(ticket_url(sample, "/attachments")).json()["items"]
    assert [item["id"] for item in listed] == [sample.attachment.pk]
    staff_listed = agent.get(ticket_url(sample, "/attachments")).json()["items"]
    assert {item["id"] for item in staff_listed} == {sample.attachment.pk,
                                                     sample.internal_attachment.pk}
    hidden = customer.get(ticket_url(sample, f"/attachments/{sample.internal_attachment.pk}"))
    assert hidden.status_code == 404
    download = agent.get(ticket_url(sample, f"/attachments/{sample.internal_attachment.pk}"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == INTERNAL_NOTE.encode()


def test_an_attachment_is_only_reached_through_its_own_ticket(world, api, samples):
    own, other = samples["AL-0001"], samples["AL-0002"]
    client = api("alpha_agent")
    crossed = client.get(ticket_url(own, f"/attachments/{other.attachment.pk}"))
    assert crossed.status_code == 404
    foreign = api("alpha_customer1").get(ticket_url(other, f"/attachments/"
                                                           f"{other.attachment.pk}"))
    assert foreign.status_code == 404
    beta = api("beta_admin").get(ticket_url(own, f"/attachments/{own.attachment.pk}"))
    assert beta.status_code == 404


def write_comment(client, sample, body="See the trace", internal=False):
    response = client.post(ticket_url(sample, "/comments"),
                           {"body": body, "internal": internal})
    assert response.status_code == 201
    return response.json()["id"]


def test_files_are_added_to_ones_own_comment_with_the_pages_checks(world, api, samples):
    sample, client = samples["AL-0001"], api("alpha_customer1")
    comment_id = write_comment(client, sample)
    url = ticket_url(sample, f"/comments/{comment_id}/attachments")
    added = client.upload(url, {"files": [
        SimpleUploadedFile("trace.txt", b"headset trace\n", content_type="text/plain"),
        SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)]})
    assert added.status_code == 201, added.content
    assert [(item["filename"], item["content_type"]) for item in added.json()] == [
        ("trace.txt", "text/plain"), ("photo.png", "image/png")]
    # A file whose content is not what its name says refuses the whole request.
    refused = client.upload(url, {"files": [
        SimpleUploadedFile("more.txt", b"more\n"),
        SimpleUploadedFile("fake.pdf", b"not a pdf at all")]})
    assert refused.status_code == 422
    assert "fake.pdf" in json.dumps(refused.json(), ensure_ascii=False)
    with tenant_context(world.alpha):
        assert Attachment.objects.filter(comment_id=comment_id).count() == 2


def test_files_are_refused_on_someone_elses_comment(world, api, samples):
    sample = samples["AL-0001"]
    comment_id = write_comment(api("alpha_agent"), sample)
    response = api("alpha_admin").upload(
        ticket_url(sample, f"/comments/{comment_id}/attachments"),
        {"files": SimpleUploadedFile("trace.txt", b"trace")})
    assert response.status_code == 422


def test_an_internal_note_is_not_reached_by_a_customer_user(world, api, samples):
    sample = samples["AL-0001"]
    with tenant_context(world.alpha):
        note = Comment.objects.get(ticket=sample.ticket, internal=True)
    response = api("alpha_customer1").upload(
        ticket_url(sample, f"/comments/{note.pk}/attachments"),
        {"files": SimpleUploadedFile("trace.txt", b"trace")})
    assert response.status_code == 404


def test_too_large_a_file_is_refused(world, api, samples, settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 10
    sample, client = samples["AL-0001"], api("alpha_agent")
    comment_id = write_comment(client, sample)
    response = client.upload(ticket_url(sample, f"/comments/{comment_id}/attachments"),
                             {"files": SimpleUploadedFile("trace.txt", b"x" * 11)})
    assert response.status_code == 422


def test_listing_attachments_costs_the_same_queries_for_more_files(world, api, samples):
    from django.core.files.base import ContentFile

    sample, client = samples["AL-0001"], api("alpha_agent")
    url = ticket_url(sample, "/attachments")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    with tenant_context(world.alpha):
        for index in range(5):
            Attachment.objects.create(comment=sample.comment,
                                      file=ContentFile(b"x", name="x.txt"),
                                      filename=f"x{index}.txt", content_type="text/plain",
                                      size=1)
    assert count() == few


def test_the_ticket_list_reads_followers_in_one_query(world, api, samples):
    client = api("alpha_agent")

    def count():
        client.get("/api/v1/tickets")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/tickets").status_code == 200
        return len(queries)

    few = count()
    with tenant_context(world.alpha):
        customer = samples["AL-0001"].customer
        staff = list(User.objects.filter(role__in=[Role.PARTNER_ADMIN, Role.PARTNER_AGENT]))
        for index in range(4):
            ticket = Ticket.objects.create(customer=customer, subject=f"More {index}",
                                           description="x")
            ticket.watchers.set(staff)
    assert count() == few
