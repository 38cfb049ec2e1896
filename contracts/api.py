"""Contracts and their baseline versions in the JSON API (read only)."""

from datetime import date, datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from portal.api.auth import require_role
from portal.api.pagination import Page, PageParams, paginate
from portal.api.schemas import ERRORS, CustomerRef, DecimalString, customer_ref
from portal.programme import whole_devices
from portal.users.access import EVERYONE_OF_PARTNER

from .models import BaselineVersion, Contract

router = Router(tags=["Contracts"])


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
        "lines": [{"category": line.category, "installed": line.installed,
                   "growth": line.growth, "ordered": line.ordered,
                   "annual_price": line.annual_price} for line in contract.lines.all()],
    }


def _contracts(user):
    return Contract.objects.visible_to(user).select_related("customer").prefetch_related("lines")


@router.get("", response={200: Page[ContractOut], **ERRORS}, summary="List contracts")
def list_contracts(request, page: Query[PageParams]):
    """The contracts of the customers the caller may see, latest start first."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    rows, cursor = paginate(_contracts(user), page, "-start")
    return {"items": [contract_out(contract) for contract in rows], "next": cursor}


@router.get("/{contract_id}", response={200: ContractDetailOut, **ERRORS},
            summary="Get a contract with its baseline versions")
def get_contract(request, contract_id: int):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    versions = BaselineVersion.objects.order_by("number").prefetch_related("entries")
    contract = get_object_or_404(
        _contracts(user).prefetch_related(Prefetch("baseline_versions", queryset=versions)),
        pk=contract_id)
    return {
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
    }
