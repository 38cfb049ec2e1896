"""Fixtures shared by the replacement tests (the services, the pages, the list)."""

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from inventory.models import Device
from portal.catalogue.models import ProductModel
from tests.factories import ContractFactory


@pytest.fixture
def setup(world):
    """Alpha's AL-0001 with an active contract on headsets (ordered 100) and video."""
    headset = ProductModel.objects.get(sku="VOY-TEST")
    video, _ = ProductModel.objects.get_or_create(
        sku="STUDIO-TEST", defaults={"name": "Studio Test", "family": "Studio",
                                     "category": "video", "list_price": "1500.00"})
    eol, _ = ProductModel.objects.get_or_create(
        sku="OLD-TEST", defaults={"name": "Old Test", "family": "Voyager",
                                  "category": "headsets", "list_price": "50.00",
                                  "end_of_life": date(2020, 1, 1)})
    quote, _ = ProductModel.objects.get_or_create(
        sku="QUOTE-TEST", defaults={"name": "Quote Test", "family": "Custom",
                                    "category": "headsets", "list_price": "80.00",
                                    "quote_only_line": "Custom line"})
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        customer.country, customer.time_zone = "FR", "Europe/Paris"
        customer.save()
        contract = ContractFactory(customer=customer, start=date(2025, 1, 1),
                                   end=date(2027, 12, 31),
                                   lines={"headsets": (100, 0, Decimal("20.00")),
                                          "video": (10, 0, Decimal("20.00"))})
        version = contract.baseline_versions.get()

        def device(serial, product=headset, customer=customer):
            # Direct: the RMA rules must also meet end-of-life and quote-only devices,
            # which registration refuses.
            return Device.objects.create(serial=serial, product_model=product,
                                         customer=customer)

        yield {"customer": customer, "device": device, "headset": headset, "video": video,
               "eol": eol, "quote": quote, "contract": contract, "version": version,
               "agent": world["alpha_agent"].user, "user": world["alpha_customer1"].user}
