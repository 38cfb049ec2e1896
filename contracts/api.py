"""Customers, contracts and their baseline versions in the JSON API (read only)."""

from datetime import date, datetime

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from portal.api.auth import require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate_synced
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, CustomerRef, DecimalString, customer_ref
from portal.programme import whole_devices
from portal.users.access import EVERYONE_OF_PARTNER, PARTNER_STAFF

from .filters import CustomerFilterSet
from .models import BaselineVersion, Contract, Customer

router = Router(tags=["Contracts"])
customers = Router(tags=["Customers"])


class CustomerFilters(Schema):
    q: str | None = Field(None, description="Part of the name, Site ID or city.")
    country: str | None = Field(None, description="A country code (ISO 3166-1 alpha-2) "
                                                  "of the partner's customers.")


class CustomerOut(Schema):
    id: int
    site_id: str
    name: str
    address: str
    postal_code: str
    city: str
    country: str
    time_zone: str
    language: str
    created_at: datetime
    updated_at: datetime


def customer_out(customer):
    return {"id": customer.pk, "site_id": customer.site_id, "name": customer.name,
            "address": customer.address, "postal_code": customer.postal_code,
            "city": customer.city, "country": str(customer.country),
            "time_zone": customer.time_zone, "language": customer.language,
            "created_at": customer.created_at, "updated_at": customer.updated_at}


@customers.get("", response={200: Page[CustomerOut], **ERRORS}, summary="List customers",
               openapi_extra=CONDITIONAL_OPENAPI)
def list_customers(request, response: HttpResponse, filters: Query[CustomerFilters],
                   sync: Query[SyncParams], page: Query[PageParams]):
    """Partner staff: the partner's customers, by Site ID, with the customer list's
    filters."""
    user = require_role(request, *PARTNER_STAFF)
    data = filters.dict(exclude_none=True)
    if "country" in data:
        data["country"] = data["country"].strip().upper()
    found = CustomerFilterSet(data, queryset=Customer.objects.visible_to(user))
    cleaned(found.form)
    rows, cursor = paginate_synced(found.qs, page, sync, "site_id")
    return conditional(request, response, {
        "items": [customer_out(customer) for customer in rows], "next": cursor})


@customers.get("/{customer_id}", response={200: CustomerOut, **ERRORS},
               summary="Get a customer", openapi_extra=CONDITIONAL_OPENAPI)
def get_customer(request, response: HttpResponse, customer_id: int):
    """Partner staff: any of the partner's customers; a customer user: their own."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    customer = get_object_or_404(Customer.objects.visible_to(user), pk=customer_id)
    return conditional(request, response, customer_out(customer))


class LineOut(Schema):
    category: str
    installed: int
    growth: int
    ordered: int
    annual_price: DecimalString


class BaselineEntryOut(Schema):
    category: str
    ordered: int
    baseline: DecimalString = Field(description="Exact: ordered × (1 + allowance).")
    baseline_devices: int = Field(description="The baseline rounded up to a whole device.")


class BaselineVersionOut(Schema):
    number: int
    effective_date: date
    reason: str
    author: str
    created_at: datetime
    entries: list[BaselineEntryOut]


class ContractOut(Schema):
    id: int
    customer: CustomerRef
    start: date
    end: date
    status: str
    currency: str
    csm_blocks_per_month: int
    tam_hours: int
    professional_services_discount: DecimalString
    renewal_of: int | None = Field(description="The contract this one renews.")
    activated_at: datetime | None
    updated_at: datetime
    lines: list[LineOut]


class ContractDetailOut(ContractOut):
    baseline_versions: list[BaselineVersionOut] = Field(
        description="Every version, oldest first; history is never rewritten.")


def contract_out(contract):
    return {
        "id": contract.pk, "customer": customer_ref(contract.customer),
        "start": contract.start, "end": contract.end, "status": contract.status,
        "currency": contract.currency, "csm_blocks_per_month": contract.csm_blocks_per_month,
        "tam_hours": contract.tam_hours,
        "professional_services_discount": contract.professional_services_discount,
        "renewal_of": contract.renewal_of_id, "activated_at": contract.activated_at,
        "updated_at": contract.updated_at,
        "lines": [{"category": line.category, "installed": line.installed,
                   "growth": line.growth, "ordered": line.ordered,
                   "annual_price": line.annual_price} for line in contract.lines.all()],
    }


def _contracts(user):
    return Contract.objects.visible_to(user).select_related("customer").prefetch_related("lines")


@router.get("", response={200: Page[ContractOut], **ERRORS}, summary="List contracts",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_contracts(request, response: HttpResponse, sync: Query[SyncParams],
                   page: Query[PageParams]):
    """The contracts of the customers the caller may see, latest start first."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    rows, cursor = paginate_synced(_contracts(user), page, sync, "-start")
    return conditional(request, response, {
        "items": [contract_out(contract) for contract in rows], "next": cursor})


@router.get("/{contract_id}", response={200: ContractDetailOut, **ERRORS},
            summary="Get a contract with its baseline versions",
            openapi_extra=CONDITIONAL_OPENAPI)
def get_contract(request, response: HttpResponse, contract_id: int):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    versions = BaselineVersion.objects.order_by("number").prefetch_related("entries")
    contract = get_object_or_404(
        _contracts(user).prefetch_related(Prefetch("baseline_versions", queryset=versions)),
        pk=contract_id)
    return conditional(request, response, {
        **contract_out(contract),
        "baseline_versions": [{
            "number": version.number, "effective_date": version.effective_date,
            "reason": version.reason, "author": version.author,
            "created_at": version.created_at,
            "entries": [{"category": entry.category, "ordered": entry.ordered,
                         "baseline": entry.baseline,
                         "baseline_devices": whole_devices(entry.baseline)}
                        for entry in version.entries.all()],
        } for version in contract.baseline_versions.all()],
    })
