"""The vendor's e-mails about a partner's objects that only the console can address: the
customer's CSM (an assignment of the public schema) hears of a true-up quote's answer."""

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse

from portal.tenants.branding import current_brand, vendor_brand
from portal.tenants.emails import queue_email, render_branded_email
from portal.tenants.schemas import public_schema
from reporting.notifications import quote_decided

from .models import CsmAssignment


@receiver(quote_decided)
def tell_the_csm(sender, quote, **kwargs):
    """The customer's CSM hears that the partner accepted (with its purchase order) or
    declined a true-up quote, in the vendor's brand and their language; nobody when no
    CSM is assigned."""
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
        "console/email/quote_decided",
        {"quote": quote, "partner": partner, "customer": quote.contract.customer,
         "customer_url": url}, csm.email, user=csm, brand=brand))
