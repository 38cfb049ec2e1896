"""Installed-base actions: registering devices, one at a time or from a CSV file."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Customer, visible_customers_q, visible_prepared
from portal.audit import historical_model
from portal.catalogue.eligibility import Reason, coverage
from portal.catalogue.models import ProductModel
from portal.prepared import PreparedRows
from portal.users.models import Role, User
from portal.webhooks import services as webhooks

from .models import Device, LensImport, normalise_serial, serial_validator


def devices_visible_to(user: User) -> QuerySet[Device]:
    return Device.objects.filter(visible_customers_q(user))


def devices_prepared_for(user: User) -> PreparedRows | None:
    """`devices_visible_to(user)` with their model and customer, for a list that sync
    clients poll (portal/api/pagination.paginate_prepared); None when the user sees
    none."""
    return visible_prepared(user, "devices", Device, lambda visible: Device.objects
                            .select_related("product_model", "customer").filter(visible))


def device_visible_to(user: User, pk: int) -> Device | None:
    """The device `pk` with its model and customer, if `user` may see it."""
    rows = visible_prepared(
        user, "device", Device, lambda visible, pk: Device.objects
        .select_related("product_model", "customer").filter(visible, pk=pk),
        {"pk": Device._meta.pk}, {"pk": pk})
    return rows.first() if rows else None


def device_history(device: Device, limit: int) -> list:
    """The device's `limit` latest history records, with who made them."""
    history = historical_model(Device)
    return PreparedRows(
        f"device-history:{limit}", history, lambda device: history.objects
        .filter(id=device).select_related("history_user").order_by("-history_date")[:limit],
        {"device": history._meta.get_field("id")}, {"device": device.pk}).all()


def lens_imports_visible_to(user: User) -> QuerySet[LensImport]:
    return LensImport.objects.filter(visible_customers_q(user))


def lens_imports_retryable_by(user: User) -> QuerySet[LensImport]:
    """Imports whose Retry `user` may use: the partner administrator's, and the uploader's
    own."""
    imports = lens_imports_visible_to(user)
    if user.role == Role.PARTNER_ADMIN:
        return imports
    return imports.filter(uploaded_by=user)


def owners_by_serial(serials: Collection[str]) -> dict[str, int]:
    """{serial: customer id} of the devices among `serials` that exist, in one query."""
    if not serials:
        return {}
    with connection.cursor() as cursor:
        # One text parameter rather than an array of 100,000: much quicker to send. A
        # normalised serial holds no whitespace, so a line feed separates them safely.
        cursor.execute("SELECT serial, customer_id FROM inventory_device "
                       "WHERE serial = ANY(string_to_array(%s, chr(10)))",
                       ["\n".join(serials)])
        return dict(cursor.fetchall())


def registration_errors(customer: Customer, serial: str, sku: str | None, on_date: date, *,
                        models_by_sku: Mapping[str, ProductModel] | None = None,
                        owners_by_serial: Mapping[str, int] | None = None,
                        precise: bool = True) -> dict[str, str]:
    """{field: message} explaining why this device cannot be registered, empty if it can.

    The lookups may be passed in when checking many rows at once. `precise=False` (a
    customer user) does not say that a serial belongs to another customer of the partner.
    """
    errors = {}
    serial = normalise_serial(serial)
    try:
        serial_validator(serial)
    except ValidationError:
        errors["serial"] = _("“%(serial)s” is not a valid serial number: use 6 to 40 capital "
                             "letters, digits or hyphens.") % {"serial": serial}
    else:
        if owners_by_serial is None:
            owner = Device.objects.filter(serial=serial).values_list("customer_id",
                                                                     flat=True).first()
        else:
            owner = owners_by_serial.get(serial)
        if owner == customer.pk:
            errors["serial"] = _("This serial number is already registered to this customer.")
        elif owner is not None and not precise:
            errors["serial"] = _("This serial number cannot be registered. Contact support "
                                 "if the device is yours.")
        elif owner is not None:
            # Never say which customer: it may belong to someone else's organisation.
            errors["serial"] = _("This serial number is already registered to another "
                                 "customer. Contact support if the device is yours.")
    sku = (sku or "").strip().upper()
    if models_by_sku is None:
        product = ProductModel.objects.filter(sku=sku).first()
    else:
        product = models_by_sku.get(sku)
    if product is None:
        errors["model"] = _("Unknown product model “%(sku)s”.") % {"sku": sku}
    else:
        result = coverage(product, [product.category], on_date)
        if Reason.QUOTE_ONLY in result.reasons:
            errors["model"] = _("%(model)s needs a custom quote: it is not part of the "
                                "standard programme.") % {"model": product.name}
        elif not result.covered:
            errors["model"] = _("%(model)s is not covered: %(why)s") % {
                "model": product.name, "why": " ".join(str(m) for m in result.messages)}
    return errors


@transaction.atomic
def register_device(*, customer: Customer, serial: str, sku: str, site: str = "",
                    room: str = "", on_date: date | None = None,
                    precise: bool = True) -> Device:
    on_date = on_date or timezone.localdate()
    errors = registration_errors(customer, serial, sku, on_date, precise=precise)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    device = Device.objects.create(
        serial=normalise_serial(serial), product_model=ProductModel.objects.get(
            sku=sku.strip().upper()),
        customer=customer, site=site, room=room, source=Device.Source.REGISTERED,
        first_seen=now, last_seen=now,
    )
    webhooks.emit_devices_registered(customer, [device])
    return device
