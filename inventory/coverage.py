"""Whether a customer's device is covered on a date: the catalogue's eligibility rule,
applied with the customer's active contract. Computed on demand, never stored.

`covered_q` expresses the same rule for database filters; a test holds the two together.
"""

from datetime import date
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef, Q

from contracts.models import Contract, ContractLine, in_force_q
from portal.catalogue.eligibility import Coverage, Reason, coverage
from portal.prepared import KEYS, AnyOf, PreparedRows, prefetch_prepared

from .models import Device


def active_contracts_by_customer(customer_ids, on_date):
    """{customer id: its active contract on `on_date`, with its lines} (every list of
    devices reads it, so through SQL compiled once per thread)."""
    contracts = PreparedRows(
        "active-contracts", Contract, lambda customers, on_date: Contract.objects.active()
        .in_force(on_date).filter(AnyOf(F("customer_id"), customers)),
        {"customers": KEYS, "on_date": Contract._meta.get_field("start")},
        {"customers": list(customer_ids), "on_date": on_date}).all()
    prefetch_prepared(contracts, "lines", ContractLine, "contract")
    return {contract.customer_id: contract for contract in contracts}


def device_coverage(device, on_date, contract, covered_categories=None):
    """`contract` is the customer's active contract on `on_date`, or None. A replaced or
    retired device has left the installed base: it is not covered, whatever its model.
    `covered_categories`: the contract's, when already read (a list of devices)."""
    if device.status == Device.Status.REPLACED:
        return Coverage(covered=False, reasons=(Reason.DEVICE_REPLACED,))
    if device.status == Device.Status.RETIRED:
        return Coverage(covered=False, reasons=(Reason.DEVICE_RETIRED,))
    if contract is None:
        return Coverage(covered=False, reasons=(Reason.NO_ACTIVE_CONTRACT,))
    if covered_categories is None:
        covered_categories = contract.covered_categories
    return coverage(device.product_model, covered_categories, on_date)


class CoveredUntil(NamedTuple):
    on: date
    why: str  # what ends it: "contract", "end_of_life" or "end_of_service"


def covered_until(device, contract):
    """The last day a covered device stays covered if nothing changes: the contract's end,
    or its model's end of life or of service when sooner."""
    model = device.product_model
    ends = [CoveredUntil(contract.end, "contract"),
            CoveredUntil(model.end_of_life, "end_of_life"),
            CoveredUntil(model.end_of_service, "end_of_service")]
    return min((end for end in ends if end.on), key=lambda end: end.on)


class CoveredDevice(NamedTuple):
    device: object
    coverage: Coverage


def with_coverage(devices, on_date):
    """[(device, coverage)] for a page of devices, in a fixed number of queries."""
    devices = list(devices)
    if not devices:  # an empty page (a sync poll that finds nothing) needs no contracts
        return []
    contracts = active_contracts_by_customer({d.customer_id for d in devices}, on_date)
    categories = {customer_id: frozenset(contract.covered_categories)
                  for customer_id, contract in contracts.items()}
    return [CoveredDevice(device, device_coverage(device, on_date,
                                                  contracts.get(device.customer_id),
                                                  categories.get(device.customer_id)))
            for device in devices]


def covered_q(on_date, customer=None):
    """`customer`: for the devices of that one customer (its dashboard's count): the
    categories its contracts cover are then read once, rather than looked up device by
    device (PostgreSQL cannot turn a look-up inside an aggregate's FILTER into a join)."""
    lines = ContractLine.objects.filter(in_force_q(on_date, prefix="contract__"),
                                        contract__status=Contract.Status.ACTIVE)
    if customer is None:
        covering_line = Q(Exists(lines.filter(contract__customer=OuterRef("customer"),
                                              category=OuterRef("product_model__category"))))
    else:
        covering_line = Q(product_model__category__in=lines.filter(
            contract__customer=customer).values("category"))
    return (
        Q(status=Device.Status.ACTIVE)
        & covering_line
        & Q(product_model__quote_only_line="")
        & (Q(product_model__end_of_life__isnull=True)
           | Q(product_model__end_of_life__gte=on_date))
        & (Q(product_model__end_of_service__isnull=True)
           | Q(product_model__end_of_service__gte=on_date))
    )


def outdated_firmware_q():
    """Devices that report a firmware other than the catalogue's current one."""
    return (~Q(firmware_version="") & ~Q(product_model__current_firmware="")
            & ~Q(firmware_version=F("product_model__current_firmware")))
