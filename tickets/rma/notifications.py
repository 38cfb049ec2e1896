"""Replacement e-mails (SPEC §8): the customer hears of every step and is reminded to return
the defective unit, in the partner's brand and each recipient's language. The ticket e-mails'
switch (`tickets.notifications.muted`) silences these too."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from portal.tenants.branding import current_brand
from portal.tenants.emails import queue_email, render_branded_email
from portal.users.models import Role, User

from ..notifications import is_muted


def _customer_people(customer_id, extra=()):
    wanted = Q(role=Role.CUSTOMER_USER, customer=customer_id) | Q(pk__in=[
        person.pk for person in extra if person is not None])
    return User.objects.filter(wanted, is_active=True).exclude(email="").distinct()


def _send_rma(rma, template, **context):
    if is_muted():
        return
    url = current_brand().absolute_url(
        reverse("rma_detail", urlconf=settings.ROOT_URLCONF, args=[rma.pk]))
    for person in _customer_people(rma.customer_id, [rma.requested_by]):
        queue_email(render_branded_email(
            f"tickets/email/{template}", {"rma": rma, "rma_url": url, **context},
            person.email, user=person))


def rma_status_changed(rma):
    """The customer hears of every step of its replacement."""
    _send_rma(rma, "rma_status")


def rma_return_reminder(rma):
    _send_rma(rma, "rma_reminder", days=settings.RMA_RETURN_REMINDER_DAYS)
