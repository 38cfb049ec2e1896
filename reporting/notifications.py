"""E-mail on publication: the partner's staff and the customer's users, branded, each in
their own language, sent after commit. A quote's answer goes to the customer's CSM at the
vendor, in the vendor's brand."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from console.models import CsmAssignment
from portal.tenants.branding import current_brand, vendor_brand
from portal.tenants.emails import queue_email, render_branded_email
from portal.tenants.schemas import public_schema
from portal.users.models import PARTNER_STAFF_ROLES, Role, User


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


def quote_decided(quote):
    """The customer's CSM hears that the partner accepted (with its purchase order) or
    declined a true-up quote; nobody when no CSM is assigned."""
    partner = current_brand()
    customer_id = quote.contract.customer_id
    with public_schema():
        assignment = CsmAssignment.objects.select_related("csm").filter(
            partner=partner, customer_id=customer_id).first()
        csm = assignment.csm if assignment else None
        if csm is None or not csm.is_active or not csm.email:
            return
        brand = vendor_brand()
        url = brand.absolute_url(reverse(
            "console_my_customer_detail", urlconf=settings.PUBLIC_SCHEMA_URLCONF,
            args=[partner.slug, customer_id]))
    queue_email(render_branded_email(
        "reporting/email/quote_decided",
        {"quote": quote, "partner": partner, "customer": quote.contract.customer,
         "customer_url": url}, csm.email, user=csm, brand=brand))
