"""E-mail on publication: the partner's staff and the customer's users, branded, each in
their own language, sent after commit. A quote's answer is announced with `quote_decided`:
the console, which knows the customers' CSMs, tells them (console/notifications.py)."""

from django.conf import settings
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse

from portal.tenants.branding import current_brand
from portal.tenants.emails import queue_email, render_branded_email
from portal.users.models import PARTNER_STAFF_ROLES, Role, User

# Sent with `quote` once a partner has accepted or declined it, in the partner's schema.
quote_decided = Signal()


def report_published(report):
    url = current_brand().absolute_url(
        reverse("report_detail", urlconf=settings.ROOT_URLCONF, args=[report.pk]))
    people = User.objects.filter(
        Q(role__in=PARTNER_STAFF_ROLES) | Q(role=Role.CUSTOMER_USER, customer=report.customer_id),
        is_active=True).exclude(email="")
    for person in people:
        queue_email(render_branded_email(
            "reporting/email/published", {"report": report, "report_url": url},
            person.email, user=person))


def quote_issued(quote):
    """The partner's administrators are asked for a purchase order."""
    url = current_brand().absolute_url(
        reverse("quote_detail", urlconf=settings.ROOT_URLCONF, args=[quote.pk]))
    for person in User.objects.filter(role=Role.PARTNER_ADMIN, is_active=True).exclude(
            email=""):
        queue_email(render_branded_email(
            "reporting/email/quote", {"quote": quote, "quote_url": url},
            person.email, user=person))

