"""Ticket e-mails: the right people, the partner's brand, the recipient's language, sent
after commit, and nothing internal."""

from django.core import mail
from django_tenants.utils import tenant_context

from tickets import services


def open_for(world, by, site_id="AL-0001", tenant=None):
    tenant = tenant or world.alpha
    with tenant_context(tenant):
        return services.open_ticket(
            user=world[by].user, customer=world.customer(tenant, site_id),
            subject="Room 4 has no video", description="Black screen", category="technical",
            priority="P2")


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_new_ticket_tells_the_partners_staff_and_the_customer(world,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_for(world, "alpha_customer1")
    assert "agent@alpha.example" in recipients() and "admin@alpha.example" in recipients()
    assert "user1@customer.alpha.example" not in recipients()  # they did it themselves
    assert "user2@customer.alpha.example" not in recipients()  # another customer
    message = next(m for m in mail.outbox if m.to == ["agent@alpha.example"])
    assert ticket.reference in message.subject and "Alpha" in message.from_email
    assert f"/tickets/{ticket.pk}/" in message.body


def test_nothing_is_sent_before_the_transaction_commits(world,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        open_for(world, "alpha_customer1")
    assert callbacks and mail.outbox == []


def test_a_public_answer_reaches_the_customer_and_an_internal_note_nobody(
        world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "alpha_customer1")
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(ticket, user=world["alpha_agent"].user, body="SECRET-NOTE",
                             internal=True)
    assert mail.outbox == []
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(ticket, user=world["alpha_agent"].user, body="Try a reboot")
    assert recipients() == ["user1@customer.alpha.example"]
    body = mail.outbox[0].body + mail.outbox[0].alternatives[0][0]
    assert "Try a reboot" in body and "SECRET-NOTE" not in body


def test_status_changes_and_resolution_are_announced(world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "alpha_customer1")
    agent = world["alpha_agent"].user
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, "waiting", user=agent)
    assert "Waiting on customer" in mail.outbox[-1].subject
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, "resolved", user=agent)
    assert "Resolved" in mail.outbox[-1].subject
    assert "reopen the ticket within 14 days" in mail.outbox[-1].body


def test_e_mails_speak_the_recipients_language(world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "beta_agent", site_id="BE-0001", tenant=world.beta)
    with tenant_context(world.beta), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(ticket, user=world["beta_agent"].user, body="Redémarrez")
    message = next(m for m in mail.outbox if m.to == ["user1@customer.beta.example"])
    assert "Nouvelle réponse" in message.subject
    assert "Beta" in message.from_email


def test_an_engineers_answer_from_the_console_reaches_the_customer(
        world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "alpha_customer1")
    with tenant_context(world.alpha):
        services.escalate(ticket, user=world["alpha_agent"].user, to_level="vendor",
                          reason="Need vendor")
    with django_capture_on_commit_callbacks(execute=True):
        world["support_engineer"].client().post(f"/escalations/alpha/{ticket.pk}/update/",
                                                {"body": "Firmware 10.2 fixes it"})
    message = next(m for m in mail.outbox if m.to == ["user1@customer.alpha.example"])
    assert "Firmware 10.2 fixes it" in message.body
    assert "alpha.localhost" in message.body  # a link to the partner's portal
    assert "Alpha" in message.from_email


def test_following_and_unfollowing_a_ticket(world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "alpha_customer1")
    admin = world["alpha_admin"]
    admin.client().post(f"/tickets/{ticket.pk}/watch/", {"watch": "1"})
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(ticket, user=world["alpha_agent"].user, body="First answer")
    assert "admin@alpha.example" in recipients()
    admin.client().post(f"/tickets/{ticket.pk}/watch/", {"watch": "0"})
    mail.outbox.clear()
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(ticket, user=world["alpha_agent"].user, body="Second answer")
    assert "admin@alpha.example" not in recipients()
    # a ticket of another customer cannot be followed
    other = open_for(world, "alpha_customer2", site_id="AL-0002")
    response = world["alpha_customer1"].client().post(f"/tickets/{other.pk}/watch/",
                                                      {"watch": "1"})
    assert response.status_code == 404
