"""Ticket actions (SPEC §7): opening by Site ID, the status workflow, the conversation."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Customer
from portal.users.models import Role

from .models import Comment, Ticket

Status = Ticket.Status

# Where each status may go next; reopening is checked apart (it has a time limit).
TRANSITIONS = {
    Status.NEW: {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED},
    Status.IN_PROGRESS: {Status.WAITING, Status.RESOLVED},
    Status.WAITING: {Status.IN_PROGRESS, Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED},
    Status.CLOSED: set(),
}
# A customer user may only close a resolved ticket or reopen it.
CUSTOMER_TRANSITIONS = {(Status.RESOLVED, Status.CLOSED)}


def customer_by_site_id(site_id):
    customer = Customer.objects.filter(site_id=(site_id or "").strip().upper()).first()
    if customer is None:
        raise ValidationError({"site_id": _("No customer has the Site ID “%(site_id)s”.") % {
            "site_id": site_id}})
    return customer


@transaction.atomic
def open_ticket(*, user, customer, subject, description, category, priority, device=None):
    if device is not None and device.customer_id != customer.pk:
        raise ValidationError({"device": _("This device belongs to another customer.")})
    ticket = Ticket.objects.create(customer=customer, subject=subject, description=description,
                                   category=category, priority=priority, device=device,
                                   opened_by=user)
    ticket.watchers.add(user)
    return ticket


def can_reopen(ticket, now=None):
    now = now or timezone.now()
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.resolved_at is None:
        return False
    return now <= ticket.resolved_at + timedelta(days=settings.TICKET_REOPEN_DAYS)


def allowed_statuses(ticket, user, now=None):
    """The statuses `user` may move `ticket` to now."""
    targets = set(TRANSITIONS[Status(ticket.status)])
    if user.role == Role.CUSTOMER_USER:
        targets = {target for target in targets
                   if (ticket.status, target) in CUSTOMER_TRANSITIONS}
    if can_reopen(ticket, now):
        targets.add(Status.IN_PROGRESS)
    return targets


@transaction.atomic
def change_status(ticket, new_status, *, user, now=None):
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if new_status not in allowed_statuses(ticket, user, now):
        raise ValidationError(_("A ticket that is “%(current)s” cannot become “%(new)s”.") % {
            "current": ticket.get_status_display(), "new": Status(new_status).label})
    if new_status == Status.RESOLVED:
        ticket.resolved_at = now
    elif new_status == Status.CLOSED:
        ticket.closed_at = now
    elif ticket.status in (Status.RESOLVED, Status.CLOSED):  # reopened
        ticket.resolved_at = ticket.closed_at = None
    ticket.status = new_status
    ticket.save()
    return ticket


def add_comment(ticket, *, user, body, internal=False):
    if internal and user.role == Role.CUSTOMER_USER:
        raise ValidationError(_("Customer users cannot write internal notes."))
    if not body.strip():
        raise ValidationError({"body": _("Write a message.")})
    comment = Comment.objects.create(ticket=ticket, author=user, body=body.strip(),
                                     internal=internal)
    ticket.watchers.add(user)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return comment


def visible_comments(ticket, user):
    """Internal notes exist for partner and vendor staff only."""
    comments = ticket.comments.select_related("author")
    if user.role == Role.CUSTOMER_USER:
        comments = comments.filter(internal=False)
    return comments
