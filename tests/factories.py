"""Contracts and devices built the way the portal builds them.

A contract is drafted with `save_draft_contract` and, unless asked for a draft, activated with
`activate_contract`: it gets its activation time and its first baseline version, and the
activation rules still apply (a customer with more eligible devices than ordered is refused).
A device is registered with `register_device`, so the serial and the model must be ones a
customer could register. A test that needs a state the services refuse builds it itself and
says why.
"""

from datetime import date
from decimal import Decimal

import factory

from contracts.models import Contract
from contracts.services import activate_contract, save_draft_contract
from inventory.models import Device
from inventory.services import register_device
from portal.catalogue.models import ProductModel


class ContractFactory(factory.django.DjangoModelFactory):
    """ContractFactory(customer=…, lines={"headsets": (installed, growth, annual_price)}):
    an active contract; `status=Contract.Status.DRAFT` leaves it a draft."""

    class Meta:
        model = Contract

    start = date(2026, 1, 1)
    end = date(2026, 12, 31)
    lines = factory.LazyFunction(lambda: {"headsets": (10, 0, Decimal("20.00"))})
    status = Contract.Status.ACTIVE
    author = "tests"

    @classmethod
    def _create(cls, model_class, *, lines, status, author, **fields):
        contract = save_draft_contract(model_class(**fields), lines)
        if status == Contract.Status.ACTIVE:
            return activate_contract(contract, author=author)
        if status != Contract.Status.DRAFT:
            raise ValueError(f"the services make draft or active contracts, not {status}")
        return contract


class DeviceFactory(factory.django.DjangoModelFactory):
    """DeviceFactory(customer=…, serial=…, product_model=…): a device its customer
    registered. Fields registration does not ask for (firmware, MAC address) are set on
    the registered device afterwards."""

    class Meta:
        model = Device

    serial = factory.Sequence(lambda n: f"FACTORY{n:06d}")
    product_model = factory.LazyFunction(lambda: ProductModel.objects.get(sku="VOY-TEST"))

    @classmethod
    def _create(cls, model_class, *, customer, serial, product_model, site="", room="",
                on_date=None, **fields):
        device = register_device(customer=customer, serial=serial, sku=product_model.sku,
                                 site=site, room=room, on_date=on_date)
        if fields:
            # An update, not a save: no second history entry for the same registration.
            Device.objects.filter(pk=device.pk).update(**fields)
            device.refresh_from_db()
        return device


def forget_console_index_rows(partner, site_id):
    """Removes the console index's rows of a customer whose committed rows a test deletes:
    the portal never deletes replacements or tickets, so nothing else removes them, and a
    later test would find them in the console's queues."""
    from portal.consoleindex.models import IndexedRma, IndexedTicket

    for model in (IndexedRma, IndexedTicket):
        model.objects.filter(partner=partner, site_id=site_id).delete()
