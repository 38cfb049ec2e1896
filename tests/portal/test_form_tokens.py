"""One object per intent: a creating form sent twice with its one-time token (a double
click, a reload that posts again, a retry) creates one object, and the second answer leads
to it with a message (portal.submissions.once)."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from contracts.models import Customer
from inventory.models import LensImport
from portal.outbox.models import PendingTask
from portal.submissions import once
from portal.submissions.models import FormSubmission
from portal.users.models import User
from tests.inventory.test_lens_order import export
from tickets import services as ticket_services
from tickets.models import Ticket

ALREADY_SENT = "This form was already sent: here is the ticket it created."


def token_on(page):
    match = re.search(r'name="form_token" value="([^"]+)"', page.content.decode())
    assert match, "the form carries no one-time token"
    return match.group(1)


def ticket_form(token=None, **overrides):
    data = {"site_id": "AL-0001", "subject": "Room 4 has no picture",
            "description": "Since this morning.", "category": "technical", "priority": "P3"}
    if token is not None:
        data["form_token"] = token
    data.update(overrides)
    return data


def tickets_of(world):
    with tenant_context(world.alpha):
        return list(Ticket.objects.order_by("pk"))


def test_the_ticket_form_sent_twice_opens_one_ticket_with_one_set_of_emails(world):
    client = world["alpha_agent"].client()
    token = token_on(client.get("/tickets/new/"))
    first = client.post("/tickets/new/", ticket_form(token))
    [ticket] = tickets_of(world)
    assert first.status_code == 302 and first["Location"] == f"/tickets/{ticket.pk}/"
    tasks = PendingTask.objects.count()
    assert tasks > 0  # the new ticket's e-mails (and webhooks) are queued

    again = client.post("/tickets/new/", ticket_form(token), follow=True)

    assert tickets_of(world) == [ticket]
    assert PendingTask.objects.count() == tasks
    assert again.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
    assert ALREADY_SENT in again.content.decode()


def test_each_rendering_of_the_form_is_a_new_intent(world):
    client = world["alpha_agent"].client()
    first, second = token_on(client.get("/tickets/new/")), token_on(client.get("/tickets/new/"))
    assert first != second and len(first) >= 40
    client.post("/tickets/new/", ticket_form(first))
    client.post("/tickets/new/", ticket_form(second))
    assert len(tickets_of(world)) == 2


def test_a_form_shown_again_with_its_errors_keeps_its_token(world):
    client = world["alpha_agent"].client()
    token = token_on(client.get("/tickets/new/"))
    refused = client.post("/tickets/new/", ticket_form(token, subject=""))
    assert refused.status_code == 200 and token_on(refused) == token
    assert tickets_of(world) == []
    # Corrected and sent, it opens the ticket; sent again, it does not open another.
    assert client.post("/tickets/new/", ticket_form(token)).status_code == 302
    assert client.post("/tickets/new/", ticket_form(token)).status_code == 302
    assert len(tickets_of(world)) == 1


def test_a_form_without_a_token_or_with_an_unknown_one_still_creates(world):
    client = world["alpha_agent"].client()
    assert client.post("/tickets/new/", ticket_form()).status_code == 302
    assert client.post("/tickets/new/", ticket_form()).status_code == 302
    assert client.post("/tickets/new/", ticket_form("made-up")).status_code == 302
    assert client.post("/tickets/new/", ticket_form("x" * 500)).status_code == 302
    assert len(tickets_of(world)) == 4


def test_another_users_token_is_a_fresh_intent_and_never_leads_to_their_ticket(world):
    agent = world["alpha_agent"].client()
    token = token_on(agent.get("/tickets/new/"))
    agent.post("/tickets/new/", ticket_form(token))
    [agents] = tickets_of(world)

    customer_user = world["alpha_customer1"].client()
    response = customer_user.post("/tickets/new/", ticket_form(token, subject="Mine"),
                                  follow=True)

    assert ALREADY_SENT not in response.content.decode()
    [_, theirs] = tickets_of(world)
    assert theirs.subject == "Mine" and theirs.opened_by == world["alpha_customer1"].user
    assert response.redirect_chain == [(f"/tickets/{theirs.pk}/", 302)]
    assert agents.pk != theirs.pk


def test_another_partners_token_is_a_fresh_intent_there(world):
    alpha = world["alpha_agent"].client()
    token = token_on(alpha.get("/tickets/new/"))
    alpha.post("/tickets/new/", ticket_form(token))

    response = world["beta_agent"].client().post(
        "/tickets/new/", ticket_form(token, site_id="BE-0001", subject="Beta's own"),
        follow=True)

    assert ALREADY_SENT not in response.content.decode()
    with tenant_context(world.beta):
        [ticket] = Ticket.objects.filter(subject="Beta's own")
    assert response.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
    assert len(tickets_of(world)) == 1


def test_a_token_is_forgotten_after_a_day(world):
    client = world["alpha_agent"].client()
    token = token_on(client.get("/tickets/new/"))
    client.post("/tickets/new/", ticket_form(token))
    with tenant_context(world.alpha):
        assert once.purge(now=timezone.now() + timedelta(hours=23)) == 0
        assert once.purge(now=timezone.now() + timedelta(hours=25)) == 1
        assert not FormSubmission.objects.exists()


def test_the_comment_form_sent_twice_adds_one_comment(world):
    client = world["alpha_agent"].client()
    client.post("/tickets/new/", ticket_form())
    [ticket] = tickets_of(world)
    token = token_on(client.get(f"/tickets/{ticket.pk}/"))
    for _attempt in range(2):
        response = client.post(f"/tickets/{ticket.pk}/update/",
                               {"body": "We are on it", "form_token": token})
        assert response["Location"] == f"/tickets/{ticket.pk}/"
    with tenant_context(world.alpha):
        assert ticket.comments.filter(body="We are on it").count() == 1
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "This form was already sent: here is the comment it created." in page


def test_each_rendering_of_a_ticket_page_is_a_new_intent(world):
    """The page's form is shared by the pages of the same state; its token is not."""
    client = world["alpha_agent"].client()
    client.post("/tickets/new/", ticket_form())
    [ticket] = tickets_of(world)
    first = token_on(client.get(f"/tickets/{ticket.pk}/"))
    second = token_on(client.get(f"/tickets/{ticket.pk}/"))
    other = token_on(world["alpha_admin"].client().get(f"/tickets/{ticket.pk}/"))
    assert len({first, second, other}) == 3
    for token in (first, second):
        client.post(f"/tickets/{ticket.pk}/update/", {"body": "Same words", "form_token": token})
    with tenant_context(world.alpha):
        assert ticket.comments.filter(body="Same words").count() == 2


def test_the_customer_form_sent_twice_creates_one_customer(world):
    client = world["alpha_agent"].client()
    token = token_on(client.get("/customers/new/"))
    data = {"name": "Delta Clinics", "site_id": "AL-0099", "address": "1 Quai de la Gare",
            "postal_code": "75013", "city": "Paris", "country": "FR",
            "time_zone": "Europe/Paris", "language": "fr", "form_token": token}
    first = client.post("/customers/new/", data)
    again = client.post("/customers/new/", data, follow=True)
    with tenant_context(world.alpha):
        customer = Customer.objects.get(site_id="AL-0099")
    assert first["Location"] == again.redirect_chain[0][0] == f"/customers/{customer.pk}/"
    assert "here is the customer it created" in again.content.decode()


def test_the_invitation_form_sent_twice_invites_once(world, django_capture_on_commit_callbacks):
    from django.core import mail

    client = world["alpha_admin"].client()
    token = token_on(client.get("/users/invite/"))
    data = {"email": "nina@alpha.example", "first_name": "Nina", "last_name": "Kaur",
            "role": "partner_agent", "language": "", "form_token": token}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/users/invite/", data)
        again = client.post("/users/invite/", data, follow=True)
    assert first.status_code == 302
    with tenant_context(world.alpha):
        user = User.objects.get(email="nina@alpha.example")
    assert again.redirect_chain == [(f"/users/{user.pk}/", 302)]
    assert "here is the user it created" in again.content.decode()
    assert len(mail.outbox) == 1


def test_the_lens_upload_sent_twice_queues_one_import(world):
    client = world["alpha_agent"].client()
    token = token_on(client.get("/devices/imports/new/"))
    customer = world.customer(world.alpha, "AL-0001")

    def send():
        return client.post("/devices/imports/new/", {
            "customer": customer.pk, "form_token": token,
            "file": SimpleUploadedFile("june.csv", export(2, "HS100001"),
                                       content_type="text/csv")}, follow=True)

    send()
    again = send()
    with tenant_context(world.alpha):
        [lens_import] = LensImport.objects.all()
    assert again.redirect_chain == [(f"/devices/imports/{lens_import.pk}/", 302)]
    assert "here is the Poly Lens import it created" in again.content.decode()


# --- Two submissions at the same moment ------------------------------------------------------

def at_once(tenant, actions):
    """Runs each action in a thread of its own (its own database connection), released
    together; returns what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            with tenant_context(tenant):
                results[index] = action(barrier)
        except Exception as error:  # noqa: BLE001 — the test looks at each outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, action))
               for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def poster(persona, path, data):
    """Signs in (a committed session) and posts `data` once every thread is ready."""
    def post(barrier):
        client = Client(HTTP_HOST=persona.host)
        client.force_login(persona.user)
        barrier.wait(timeout=30)
        return client.post(path, data)
    return post


@pytest.fixture
def committed(world):
    """What the threads commit (tickets, customers, their queued tasks, the tokens) is
    deleted at the end: other tests never see it."""
    first_task = (PendingTask.objects.order_by("-pk").values_list("pk", flat=True).first()
                  or 0)

    def clean(barrier):
        Ticket.objects.filter(subject="Concurrent").delete()
        Customer.objects.filter(site_id="AL-RACE").delete()
        FormSubmission.objects.all().delete()
        PendingTask.objects.filter(pk__gt=first_task).delete()

    yield world, first_task
    assert at_once(world.alpha, [clean]) == [None]


def test_the_ticket_form_sent_twice_at_once_opens_one_ticket(committed, monkeypatch):
    world, first_task = committed
    real_open_ticket = ticket_services.open_ticket

    def slow_open_ticket(**kwargs):
        # The first submission still holds its transaction when the second one arrives.
        ticket = real_open_ticket(**kwargs)
        time.sleep(0.5)
        return ticket

    monkeypatch.setattr(ticket_services, "open_ticket", slow_open_ticket)
    data = ticket_form("raced-token-0123456789", subject="Concurrent")
    post = poster(world["alpha_agent"], "/tickets/new/", data)

    answers = at_once(world.alpha, [post, post])

    assert [getattr(answer, "status_code", answer) for answer in answers] == [302, 302]
    with tenant_context(world.alpha):
        [ticket] = Ticket.objects.filter(subject="Concurrent")
    assert {answer["Location"] for answer in answers} == {f"/tickets/{ticket.pk}/"}
    # One set of e-mails and webhooks: as many tasks as one ticket opened alone queues.
    queued = PendingTask.objects.filter(pk__gt=first_task).count()
    before = PendingTask.objects.count()
    world["alpha_agent"].client().post("/tickets/new/", ticket_form(subject="Alone"))
    assert queued == PendingTask.objects.count() - before > 0


def test_the_customer_form_sent_twice_at_once_creates_one_customer(committed):
    world, _first_task = committed
    data = {"name": "Race Clinics", "site_id": "AL-RACE", "address": "1 Quai de la Gare",
            "postal_code": "75013", "city": "Paris", "country": "FR",
            "time_zone": "Europe/Paris", "language": "fr",
            "form_token": "raced-token-customer-0123456789"}
    post = poster(world["alpha_agent"], "/customers/new/", data)

    answers = at_once(world.alpha, [post, post])

    assert [getattr(answer, "status_code", answer) for answer in answers] == [302, 302]
    with tenant_context(world.alpha):
        [customer] = Customer.objects.filter(site_id="AL-RACE")
    assert {answer["Location"] for answer in answers} == {f"/customers/{customer.pk}/"}
