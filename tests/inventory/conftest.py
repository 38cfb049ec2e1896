from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from portal.catalogue.models import ProductModel
from tests.factories import ContractFactory


@pytest.fixture
def catalogue(db):
    def make(sku, category, **extra):
        return ProductModel.objects.create(sku=sku, name=sku.title(), family="F",
                                           category=category, list_price=Decimal("10.00"),
                                           current_firmware="2.0", **extra)
    return {
        "headset": make("HS-1", "headsets"),
        "video": make("VID-1", "video"),
        "phone": make("PH-1", "voice"),
        "itp": make("ITP-1", "video", quote_only_line="itp"),
        "eol": make("OLD-1", "headsets", end_of_life=date(2020, 1, 31)),
        "eos": make("EOS-1", "voice", end_of_service=date(2021, 6, 30)),
    }


@pytest.fixture
def alpha_contract(world):
    """An active contract for Alpha's first customer covering headsets and video."""
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        contract = ContractFactory(customer=customer, start=date(2026, 1, 1),
                                   end=date(2026, 12, 31),
                                   lines={category: (10, 0, Decimal("10.00"))
                                          for category in ("headsets", "video")})
    return contract
