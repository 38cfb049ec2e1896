"""Devices in the JSON API: the device list's filters, detail and registration, through the
same forms and services as the pages."""

from datetime import datetime

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from contracts.models import Customer
from portal.api.auth import require_own_site_id, require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import (
    Page,
    PageParams,
    SyncParams,
    paginate_prepared,
    paginate_synced,
)
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, WRITE_ERRORS, CustomerRef, Out, customer_ref, one_of
from portal.catalogue.models import Category
from portal.users.access import EVERYONE_OF_PARTNER
from portal.users.models import Role

from . import registration, services
from .coverage import with_coverage
from .filters import DeviceFilterSet
from .forms import CustomerForm, DeviceRowForm, RegistrationForm
from .models import Device, normalise_serial

router = Router(tags=["Devices"])


class DeviceFilters(Schema):
    q: str | None = Field(None, description="Part of a serial number, MAC address, SKU or "
                                            "model name.")
    category: one_of(Category.values) = None
    coverage: one_of(["covered", "uncovered"]) = None
    status: one_of(Device.Status.values) = None
    outdated: bool | None = Field(None, description="Firmware older than the catalogue's.")
    end_of_life: bool | None = Field(None, description="End of life passed.")


class Coverage(Out):
    covered: bool
    reasons: list[str] = Field(description="Why not, as codes (no_active_contract, "
                                           "category_not_covered, quote_only, end_of_life, "
                                           "end_of_service).")
    messages: list[str] = Field(description="Why not, in words.")


class DeviceOut(Out):
    id: int
    serial: str
    sku: str
    model: str
    category: str
    customer: CustomerRef
    site: str
    room: str
    mac_address: str
    firmware_version: str
    status: str
    source: str
    coverage: Coverage
    first_seen: datetime | None
    last_seen: datetime | None
    not_seen_since: datetime | None
    created_at: datetime
    updated_at: datetime


class DeviceIn(Schema):
    site_id: str | None = Field(None, description="The customer's Site ID (partner staff). "
                                                  "A customer user's own is implied.")
    serial: str
    model: str = Field(description="The product model's SKU, e.g. VOY-8200-UC.")
    site: str = ""
    room: str = ""


def device_out(device, result):
    model = device.product_model
    return {
        "id": device.pk, "serial": device.serial, "sku": model.sku, "model": model.name,
        "category": model.category, "customer": customer_ref(device.customer),
        "site": device.site, "room": device.room, "mac_address": device.mac_address,
        "firmware_version": device.firmware_version, "status": device.status,
        "source": device.source,
        "coverage": {"covered": result.covered, "reasons": list(result.reasons),
                     "messages": [str(message) for message in result.messages]},
        "first_seen": device.first_seen, "last_seen": device.last_seen,
        "not_seen_since": device.not_seen_since, "created_at": device.created_at,
        "updated_at": device.updated_at,
    }


@router.get("", response={200: Page[DeviceOut], **ERRORS}, summary="List devices",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_devices(request, response: HttpResponse, filters: Query[DeviceFilters],
                 sync: Query[SyncParams], page: Query[PageParams]):
    """The installed base the caller may see, with the device list's filters, by serial
    number."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    today = timezone.localdate()
    given = filters.dict(exclude_none=True)
    prepared = None if given else services.devices_prepared_for(user)
    if prepared is not None:
        # Without filters, the filter form would change nothing: a sync poll's case, the
        # request integrations repeat all day.
        rows, cursor = paginate_prepared(prepared, page, sync, "serial")
    else:
        devices = services.devices_visible_to(user).select_related("product_model",
                                                                   "customer")
        if given:
            filtered = DeviceFilterSet(given, today=today, queryset=devices)
            cleaned(filtered.form)
            devices = filtered.qs
        rows, cursor = paginate_synced(devices, page, sync, "serial")
    return conditional(request, response, {
        "items": [device_out(device, result) for device, result in with_coverage(rows, today)],
        "next": cursor})


class BulkDeviceIn(Schema):
    serial: str
    model: str = Field(description="The product model's SKU, e.g. VOY-8200-UC.")
    site: str = ""
    room: str = ""


class BulkRegistrationIn(Schema):
    site_id: str | None = Field(None, description="The customer's Site ID (partner staff). "
                                                  "A customer user's own is implied.")
    devices: list[BulkDeviceIn] = Field(min_length=1, max_length=1000)


class BulkRegistrationOut(Schema):
    registered: int
    items: list[DeviceOut]


@router.post("/bulk", response={201: BulkRegistrationOut, **WRITE_ERRORS},
             summary="Register several devices")
def register_devices(request, payload: BulkRegistrationIn):
    """Up to 1,000 devices of one customer with the bulk registration page's rule: all of
    them or none, and then every error, named `devices.<position from 0>.<field>`."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    require_own_site_id(user, payload.site_id)
    fixed = user.customer if user.role == Role.CUSTOMER_USER else None
    form = CustomerForm({"customer": (payload.site_id or "").strip().upper()},
                        customers=Customer.objects.visible_to(user), fixed_customer=fixed)
    cleaned(form, {"customer": "site_id"})
    customer = form.chosen_customer()
    found, pending = {}, []
    for index, device in enumerate(payload.devices):
        row = DeviceRowForm(device.dict())
        if not row.is_valid():
            for field, messages in row.errors.items():
                found[f"devices.{index}.{field}"] = list(messages)
            continue
        values = row.cleaned_data
        pending.append((index, normalise_serial(values["serial"]),
                        values["model"].strip().upper(),
                        {"site": values["site"], "room": values["room"]}))
    rows = registration.register_items(customer, pending, timezone.localdate(),
                                       precise=fixed is None, user=user, refused=found)
    devices = services.devices_visible_to(user).select_related(
        "product_model", "customer").filter(
            customer=customer, serial__in=[row.serial for row in rows]).order_by("serial")
    items = [device_out(device, result)
             for device, result in with_coverage(devices, timezone.localdate())]
    return Status(201, {"registered": len(items), "items": items})


@router.get("/{device_id}", response={200: DeviceOut, **ERRORS}, summary="Get a device",
            openapi_extra=CONDITIONAL_OPENAPI)
def get_device(request, response: HttpResponse, device_id: int):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    device = get_object_or_404(services.devices_visible_to(user)
                               .select_related("product_model", "customer"), pk=device_id)
    [(device, result)] = with_coverage([device], timezone.localdate())
    return conditional(request, response, device_out(device, result))


@router.post("", response={201: DeviceOut, **WRITE_ERRORS}, summary="Register a device")
def register_device(request, payload: DeviceIn):
    """Registers a product, with the registration page's checks (unknown model, duplicate
    or malformed serial, quote-only and end-of-life products)."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    fixed = user.customer if user.role == Role.CUSTOMER_USER else None
    require_own_site_id(user, payload.site_id)
    form = RegistrationForm({"customer": (payload.site_id or "").strip().upper(),
                             "serial": payload.serial, "model": payload.model,
                             "site": payload.site, "room": payload.room},
                            customers=Customer.objects.visible_to(user), fixed_customer=fixed)
    if fixed is None:
        form.fields["customer"].to_field_name = "site_id"
    data = cleaned(form, {"customer": "site_id"})
    device = services.register_device(customer=form.chosen_customer(), serial=data["serial"],
                                      sku=data["model"], site=data["site"], room=data["room"],
                                      precise=fixed is None)
    [(device, result)] = with_coverage([device], timezone.localdate())
    return Status(201, device_out(device, result))
