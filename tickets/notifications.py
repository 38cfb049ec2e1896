"""Ticket e-mails (SPEC §7): on opening, public answers, status changes and resolution.

Each recipient gets the message in the partner's brand and their own language, queued for
a worker once the transaction commits. Internal notes send nothing, and no message carries
anything but the ticket's public side.

On opening, the requester gets an acknowledgement rather than the notice: the customer's
user who opened the ticket, or, when the support side opened it on the customer's behalf,
the customer's users (its contacts in the portal). On an escalation to vendor support, the
vendor's support engineers are told, in the vendor's brand, with a link to the console.
"""

import threading
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from portal.tenants.branding import current_brand, vendor_brand
from portal.tenants.emails import queue_email, render_branded_email
from portal.tenants.schemas import public_schema
from portal.users.models import PARTNER_ROLES, PARTNER_STAFF_ROLES, Role, User


def _people(ticket, *, with_partner_staff=False):
    """Whoever follows the ticket: watchers, the assignee, the customer's users."""
    wanted = (Q(watched_tickets=ticket) | Q(role=Role.CUSTOMER_USER, customer=ticket.customer_id))
    if ticket.assignee_id:
        wanted |= Q(pk=ticket.assignee_id)
    if with_partner_staff:
        wanted |= Q(role__in=PARTNER_STAFF_ROLES)
    return User.objects.filter(wanted, is_active=True).exclude(email="").distinct()


_muted = threading.local()


@contextmanager
def muted():
    """No ticket e-mail inside this block (demo data, bulk loads)."""
    _muted.on = True
    try:
        yield
    finally:
        _muted.on = False


def is_muted():
    return getattr(_muted, "on", False)


def _send(ticket, template, people, actor, **context):
    if is_muted():
        return
    url = current_brand().absolute_url(
        reverse("ticket_detail", urlconf=settings.ROOT_URLCONF, args=[ticket.pk]))
    for person in people:
        if actor is not None and actor.role in PARTNER_ROLES and person.pk == actor.pk:
            continue  # nobody is told of what they did themselves
        queue_email(render_branded_email(
            f"tickets/email/{template}",
            {"ticket": ticket, "recipient": person, "ticket_url": url,
             "actor_name": actor.display_name if actor else "", **context},
            person.email, user=person))


def _requesters(ticket, actor):
    # An integration restricted to the customer has no mailbox: its people are told.
    if actor is not None and actor.role == Role.CUSTOMER_USER \
            and not actor.is_service_account:
        return [actor] if actor.is_active and actor.email else []
    return list(User.objects.filter(role=Role.CUSTOMER_USER, customer=ticket.customer_id,
                                    is_active=True).exclude(email=""))


def ticket_created(ticket, *, actor):
    requesters = _requesters(ticket, actor)
    _send(ticket, "created", _people(ticket, with_partner_staff=True).exclude(
        pk__in=[person.pk for person in requesters]), actor)
    due = ticket.response_due_at
    _send(ticket, "acknowledged", requesters, None,
          response_due=timezone.localtime(due, ZoneInfo(ticket.customer.time_zone))
          if due else None)


def escalated_to_vendor(ticket, step):
    """Vendor support hears of a ticket escalated to it, in the vendor's brand and each
    engineer's language."""
    if is_muted():
        return
    partner = current_brand()
    with public_schema():
        brand = vendor_brand()
        engineers = list(User.objects.filter(role=Role.SUPPORT_ENGINEER, is_active=True)
                         .exclude(email=""))
        url = brand.absolute_url(reverse(
            "escalation_detail", urlconf=settings.PUBLIC_SCHEMA_URLCONF,
            args=[partner.slug, ticket.pk]))
    for engineer in engineers:
        queue_email(render_branded_email(
            "tickets/email/escalated", {"ticket": ticket, "step": step, "partner": partner,
                                        "ticket_url": url},
            engineer.email, user=engineer, brand=brand))


def comment_added(ticket, comment, *, actor):
    if comment.internal:
        return
    _send(ticket, "comment", _people(ticket), actor, comment=comment)


def status_changed(ticket, old_status, *, actor):
    template = "resolved" if ticket.status == ticket.Status.RESOLVED else "status"
    _send(ticket, template, _people(ticket), actor, reopen_days=settings.TICKET_REOPEN_DAYS,
          old_status=ticket.Status(old_status).label, new_status=ticket.Status(ticket.status).label)
