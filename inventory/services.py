from collections import Counter

from portal.catalogue.eligibility import is_eligible

from .models import Device


def eligible_installed_base(customer, on_date):
    """Active devices of the customer that the programme can cover, counted per category."""
    devices = Device.objects.filter(customer=customer, status=Device.Status.ACTIVE)
    counts = Counter()
    for device in devices.select_related("product_model"):
        if is_eligible(device.product_model, on_date):
            counts[device.product_model.category] += 1
    return counts
