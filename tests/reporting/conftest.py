from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from inventory.models import InventorySnapshot, SnapshotCount
from tests.factories import ContractFactory

OCTOBER = date(2026, 10, 1)


def snapshot(customer, taken_on, **covered):
    shot = InventorySnapshot.objects.create(customer=customer, taken_on=taken_on,
                                            source=InventorySnapshot.Source.LENS)
    SnapshotCount.objects.bulk_create([
        SnapshotCount(snapshot=shot, category=category, covered=count)
        for category, count in covered.items()])
    return shot


def contract_for(customer, start=date(2026, 1, 1), end=date(2027, 12, 31),
                 lines=(("headsets", 100, "24.00"), ("video", 10, "310.00"))):
    return ContractFactory(customer=customer, start=start, end=end, csm_blocks_per_month=2,
                           lines={category: (ordered, 0, Decimal(price))
                                  for category, ordered, price in lines})


@pytest.fixture
def reported(world):
    """Alpha's AL-0001 under contract, with Lens snapshots up to October 2026: headsets 6%
    above ordered (true-up due), video as ordered."""
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        contract = contract_for(customer)
        for month in range(5, 10):
            snapshot(customer, date(2026, month, 15), headsets=95 + month, video=10)
        snapshot(customer, date(2026, 10, 20), headsets=106, video=10)
        yield {"customer": customer, "contract": contract}
