"""Advance replacements (RMAs) in the JSON API: requested by serial number, listed with the
replacements page's filters, followed step by step. The eligibility rule, the promised ship
date and the headset charge come from the RMA services, as on the pages."""

from datetime import date, datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from portal.api.auth import require_own_site_id, require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate_synced
from portal.api.problems import cleaned
from portal.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    CustomerRef,
    DecimalString,
    customer_ref,
    one_of,
)
from portal.catalogue.models import Category
from portal.users.access import EVERYONE_OF_PARTNER
from portal.users.models import Role

from .. import services
from ..api import DeviceRef
from ..models import Rma
from . import services as rma_services
from .filters import RmaFilterSet
from .forms import RmaRequestForm

router = Router(tags=["Replacements (RMA)"])


class RmaFilters(Schema):
    q: str | None = Field(None, description="Reference, serial number, Site ID, customer "
                                            "name or tracking number.")
    status: one_of(["open", *Rma.Status.values]) = None
    category: one_of(Category.values) = None
    chargeable: one_of(["yes", "no"]) = None
    late: bool | None = Field(None, description="Only replacements past their promised "
                                                "ship date and not shipped yet, as the "
                                                "replacements page's \"Late only\".")


class TicketRef(Schema):
    id: int
    reference: str


class RmaOut(Schema):
    id: int
    reference: str
    customer: CustomerRef
    ticket: TicketRef
    device: DeviceRef
    sku: str
    category: str
    fault: str
    status: str
    requested_at: datetime
    ship_to_country: str
    promised_ship_date: date = Field(description="Next business day of the ship-to "
                                                 "country, once approved.")
    chargeable: bool = Field(description="Beyond the headset allowance: charged at list "
                                         "price.")
    charge: DecimalString | None
    approved_at: datetime | None
    carrier: str
    tracking_number: str
    shipped_at: datetime | None
    replacement: DeviceRef | None
    delivered_at: datetime | None
    received_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class StepOut(Schema):
    status: str
    at: datetime
    by: str
    from_vendor: bool
    note: str


class HeadsetRateOut(Schema):
    year: int
    base: int = Field(description="Contracted headsets.")
    approved: int
    chargeable: int
    percent: DecimalString | None
    threshold_percent: DecimalString


class RmaDetailOut(RmaOut):
    steps: list[StepOut]
    headset_rate: HeadsetRateOut | None = Field(description="Headsets only: the customer's "
                                                            "replacements of the year.")


class RmaIn(Schema):
    site_id: str | None = Field(None, description="The customer's Site ID (partner staff). "
                                                  "A customer user's own is implied.")
    serial: str = Field(description="Serial number of the defective device.")
    fault: str
    ticket_id: int | None = Field(None, description="Optional: the ticket it comes from.")


def rma_out(rma):
    return {
        "id": rma.pk, "reference": rma.reference, "customer": customer_ref(rma.customer),
        "ticket": {"id": rma.ticket.pk, "reference": rma.ticket.reference},
        "device": {"id": rma.device.pk, "serial": rma.device.serial},
        "sku": rma.product_model.sku, "category": rma.category, "fault": rma.fault,
        "status": rma.status, "requested_at": rma.requested_at,
        "ship_to_country": rma.ship_to_country, "promised_ship_date": rma.promised_ship_date,
        "chargeable": rma.chargeable, "charge": rma.charge, "approved_at": rma.approved_at,
        "carrier": rma.carrier, "tracking_number": rma.tracking_number,
        "shipped_at": rma.shipped_at,
        "replacement": {"id": rma.replacement.pk, "serial": rma.replacement.serial}
        if rma.replacement else None,
        "delivered_at": rma.delivered_at, "received_at": rma.received_at,
        "closed_at": rma.closed_at, "updated_at": rma.updated_at,
    }


def rma_detail_out(rma):
    rate = rma_services.rate_of_rma_year(rma)
    return {
        **rma_out(rma),
        "steps": [{"status": step.status, "at": step.at, "by": step.actor_name,
                   "from_vendor": step.from_vendor, "note": step.note}
                  for step in rma.steps.all()],
        "headset_rate": {"year": rate.year, "base": rate.base, "approved": rate.approved,
                         "chargeable": rate.chargeable, "percent": rate.percent,
                         "threshold_percent": rate.threshold_percent} if rate else None,
    }


def _rmas(user):
    return rma_services.rmas_visible_to(user).select_related(
        "customer", "device", "product_model", "replacement", "ticket")


@router.get("", response={200: Page[RmaOut], **ERRORS}, summary="List replacements",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_rmas(request, response: HttpResponse, filters: Query[RmaFilters],
              sync: Query[SyncParams], page: Query[PageParams]):
    """Newest first, with the replacements page's filters."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    rmas = RmaFilterSet(filters.dict(exclude_none=True), queryset=_rmas(user))
    cleaned(rmas.form)
    rows, cursor = paginate_synced(rmas.qs, page, sync, "-requested_at")
    return conditional(request, response, {"items": [rma_out(rma) for rma in rows],
                                           "next": cursor})


@router.post("", response={201: RmaDetailOut, **WRITE_ERRORS},
             summary="Request a replacement")
def request_rma(request, payload: RmaIn):
    """By the defective device's serial number; the device must be covered under an active
    contract. The answer gives the promised ship date and whether it is chargeable."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    implied = user.role == Role.CUSTOMER_USER
    require_own_site_id(user, payload.site_id)
    ticket = None
    if payload.ticket_id is not None:
        ticket = get_object_or_404(services.tickets_visible_to(user)
                                   .select_related("customer"), pk=payload.ticket_id)
    site_id = ticket.customer.site_id if ticket else payload.site_id or ""
    data = cleaned(RmaRequestForm({"site_id": site_id, "serial": payload.serial,
                                   "fault": payload.fault}, customer_implied=implied))
    if ticket is not None:
        customer = ticket.customer
    else:
        customer = user.customer if implied else services.customer_by_site_id(data["site_id"])
    rma = rma_services.request_rma(user=user, customer=customer, serial=data["serial"],
                                   fault=data["fault"], ticket=ticket)
    return Status(201, rma_detail_out(_rmas(user).get(pk=rma.pk)))


@router.get("/{rma_id}", response={200: RmaDetailOut, **ERRORS}, summary="Get a replacement",
            openapi_extra=CONDITIONAL_OPENAPI)
def get_rma(request, response: HttpResponse, rma_id: int):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    return conditional(request, response,
                       rma_detail_out(get_object_or_404(_rmas(user), pk=rma_id)))
