"""Ticket e-mails: the right people, the partner's brand, the recipient's language, sent
after commit, and nothing internal."""

from zoneinfo import ZoneInfo

from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal import formats
from portal.users.models import User
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
    # The one who opened it gets the acknowledgement only (test below).
    assert [m.subject for m in mail.outbox if m.to == ["user1@customer.alpha.example"]] == [
        f"[{ticket.reference}] We have received your request: Room 4 has no video"]
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


def test_a_status_change_subject_speaks_the_recipients_language(
        world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "beta_agent", site_id="BE-0001", tenant=world.beta)
    with tenant_context(world.beta), django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, "in_progress", user=world["beta_agent"].user)
    message = next(m for m in mail.outbox if m.to == ["user1@customer.beta.example"])
    assert message.subject == f"[{ticket.reference}] Statut\u202f: En cours"


def test_a_status_change_from_the_console_speaks_the_recipients_language(
        world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "beta_agent", site_id="BE-0001", tenant=world.beta)
    with tenant_context(world.beta):
        services.escalate(ticket, user=world["beta_agent"].user, to_level="vendor",
                          reason="Besoin du constructeur")
    with django_capture_on_commit_callbacks(execute=True):
        world["support_engineer"].client().post(f"/escalations/beta/{ticket.pk}/update/",
                                                {"status": "in_progress"})
    message = next(m for m in mail.outbox if m.to == ["user1@customer.beta.example"])
    assert message.subject == f"[{ticket.reference}] Statut\u202f: En cours"


# --- The requester's acknowledgement ----------------------------------------------------

def test_the_customer_who_opens_a_ticket_gets_an_acknowledgement_once(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_for(world, "alpha_customer1")
    mine = [m for m in mail.outbox if m.to == ["user1@customer.alpha.example"]]
    assert len(mine) == 1
    assert mine[0].subject == f"[{ticket.reference}] We have received your request: " \
        "Room 4 has no video"
    assert "will answer by" in mine[0].body and f"/tickets/{ticket.pk}/" in mine[0].body
    assert "Alpha" in mine[0].from_email
    # Partner staff get the usual notice, not the acknowledgement.
    staff = next(m for m in mail.outbox if m.to == ["agent@alpha.example"])
    assert "New ticket" in staff.subject


def test_a_ticket_opened_by_staff_acknowledges_to_the_customers_users(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_for(world, "alpha_agent")
    mine = [m for m in mail.outbox if m.to == ["user1@customer.alpha.example"]]
    assert [m.subject for m in mine] == [
        f"[{ticket.reference}] We have received your request: Room 4 has no video"]
    assert "user2@customer.alpha.example" not in recipients()  # another customer


def test_the_acknowledgement_speaks_the_requesters_language(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_for(world, "beta_customer1", site_id="BE-0001", tenant=world.beta)
    [message] = [m for m in mail.outbox if m.to == ["user1@customer.beta.example"]]
    assert message.subject.startswith(f"[{ticket.reference}] Nous avons bien reçu")
    assert "Beta" in message.from_email


def test_the_acknowledgement_writes_labels_and_the_due_time_the_french_way(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_for(world, "beta_customer1", site_id="BE-0001", tenant=world.beta)
    [message] = [m for m in mail.outbox if m.to == ["user1@customer.beta.example"]]
    due = timezone.localtime(ticket.response_due_at, ZoneInfo("Europe/Paris"))
    assert "Objet\u202f: Room 4 has no video" in message.body
    # "7 décembre 2026 14:00": French month name, day first.
    assert formats.long_date_time(due, language="fr") in message.body
    assert formats.long_date(due, language="fr").split()[1] in (
        "janvier février mars avril mai juin juillet août septembre octobre novembre "
        "décembre").split()


def test_the_acknowledgement_writes_the_due_date_as_a_uk_partner_does(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_for(world, "alpha_customer1")
    [message] = [m for m in mail.outbox if m.to == ["user1@customer.alpha.example"]]
    due = ticket.response_due_at.astimezone(ZoneInfo(ticket.customer.time_zone))
    # Day first, then the month's name: "7 December 2026", never "December 7, 2026".
    assert f"{due.day} {due:%B} {due.year}" in message.body
    assert "Subject: Room 4 has no video" in message.body


# --- Vendor support on escalation -------------------------------------------------------

def test_vendor_support_hears_of_an_escalation_once_in_the_vendors_brand(
        world, django_capture_on_commit_callbacks):
    ticket = open_for(world, "alpha_customer1")
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.escalate(ticket, user=world["alpha_agent"].user, to_level="vendor",
                          reason="Firmware crash on boot")
    engineers = [m for m in mail.outbox if m.to == ["engineer@vendor.example"]]
    assert len(engineers) == 1
    message = engineers[0]
    assert ticket.reference in message.subject and "Alpha Communications" in message.subject
    assert "Firmware crash on boot" in message.body
    assert f"/escalations/alpha/{ticket.pk}/" in message.body
    assert "Poly+ Enterprise" in message.from_email
    # Nobody at the partner or the customer gets it; a step back down tells nobody.
    assert recipients() == ["engineer@vendor.example"]
    mail.outbox.clear()
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        services.escalate(ticket, user=world["support_engineer"].user, to_level="partner",
                          reason="Fixed by a firmware update")
    assert mail.outbox == []


def test_vendor_support_reads_it_in_their_language(world, django_capture_on_commit_callbacks):
    User.objects.filter(email="engineer@vendor.example").update(language="fr")
    ticket = open_for(world, "beta_agent", site_id="BE-0001", tenant=world.beta)
    with tenant_context(world.beta), django_capture_on_commit_callbacks(execute=True):
        services.escalate(ticket, user=world["beta_agent"].user, to_level="vendor",
                          reason="Plantage")
    [message] = [m for m in mail.outbox if m.to == ["engineer@vendor.example"]]
    assert message.subject.startswith("Escalade de Beta Réseaux")
