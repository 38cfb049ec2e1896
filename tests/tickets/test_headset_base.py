"""The contracted headset base of a day is the headset quantity of the baseline version the
contract gives that day (`Contract.baseline_version_on`): the latest effective by then, or
the first one for a day before it; none without a contract in force."""

from datetime import date, timedelta
from decimal import Decimal

from django_tenants.utils import tenant_context

from contracts.models import BaselineVersion
from contracts.services import record_baseline_version
from portal.catalogue.models import Category
from tests.factories import ContractFactory
from tickets.rma.services import contracted_headsets

START = date(2026, 1, 1)


def by_the_model(contract, day):
    version = contract.baseline_version_on(day)
    entry = version.entries.filter(category=Category.HEADSETS).first() if version else None
    return entry.ordered if entry else 0


def test_the_base_is_the_headsets_of_the_version_of_the_day(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0002")
        assert contracted_headsets(customer, START) == 0
        contract = ContractFactory(customer=customer, start=START, end=date(2026, 12, 31),
                                   lines={"headsets": (10, 2, Decimal("20.00"))})
        for number, (days, ordered) in enumerate([(40, 15), (90, 19)], start=2):
            record_baseline_version(contract, effective_date=START + timedelta(days=days),
                                    reason=f"true-up {number}", author="tests",
                                    ordered={"headsets": ordered})
        # A first version that takes effect after the contract starts.
        BaselineVersion.objects.filter(contract=contract, number=1).update(
            effective_date=START + timedelta(days=10))
        days = [START, START + timedelta(days=12), START + timedelta(days=39),
                START + timedelta(days=40), START + timedelta(days=200)]
        bases = [contracted_headsets(customer, day) for day in days]
        assert bases == [by_the_model(contract, day) for day in days]
        assert bases == [12, 12, 12, 15, 19]
        assert contracted_headsets(customer, date(2027, 1, 1)) == 0
