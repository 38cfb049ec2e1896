"""Customers' bulk registration of devices from a small CSV file: the rules of
`inventory.services.registration_errors` applied to every row, all rows or none."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.catalogue.models import ProductModel
from portal.csvimport import (
    RowError,
    aliases_for,
    extra_values_error,
    map_header,
    read_upload,
    sort_errors,
)
from portal.webhooks import services as webhooks

from .models import Device, normalise_serial
from .services import owners_by_serial, registration_errors

REGISTRATION_HEADERS = {
    "serial": ["serial_number", "Serial Number", "Numéro de série"],
    "model": ["sku", "product", "Modèle"],
    "site": [],
    "room": ["Salle"],
}
REGISTRATION_ALIASES = aliases_for(REGISTRATION_HEADERS)
REGISTRATION_COLUMNS = list(REGISTRATION_HEADERS)
REGISTRATION_REQUIRED = ["serial", "model"]
REGISTRATION_MAX_BYTES = 2 * 1024 * 1024


def registration_max_bytes():
    return getattr(settings, "DEVICE_REGISTRATION_MAX_BYTES", REGISTRATION_MAX_BYTES)


@dataclass
class RegistrationRow:
    line: int
    serial: str
    product: ProductModel
    site: str
    room: str


def parse_registration_csv(customer, upload, on_date, *, precise=True):
    """(rows, []) when every device of the file can be registered to `customer`,
    otherwise ([], every error), in a fixed number of queries. `precise`: as in
    `registration_errors`."""
    records, errors = read_upload(upload, registration_max_bytes())
    if errors:
        return [], errors
    header, body = records[0][1], records[1:]
    columns, errors = map_header(header, REGISTRATION_ALIASES,
                                 required=REGISTRATION_REQUIRED, columns=REGISTRATION_COLUMNS)
    if errors:
        return [], errors
    labels = {field: header[index] for index, field in columns.items()}
    pending = []
    for line, cells in body:
        if not any(cell.strip() for cell in cells):
            continue
        extra = extra_values_error(line, cells, header)
        if extra:
            errors.append(extra)
            continue
        values = {field: (cells[index].strip() if index < len(cells) else "")
                  for index, field in columns.items()}
        pending.append((line, normalise_serial(values["serial"]),
                        values["model"].upper(), values))
    if not pending and not errors:
        return [], [RowError(None, "", _("The file has no device rows."))]
    rows, errors = checked_rows(customer, pending, on_date, labels=labels, errors=errors,
                                precise=precise)
    if errors:
        return [], sort_errors(errors, header)
    return rows, []


def checked_rows(customer, pending, on_date, *, labels=None, errors=None, precise=True,
                 items=False):
    """`pending`: (line, serial, sku, {field: value}) per device. The rows to register
    and every error, each with its line and field (`labels` names the fields), in a fixed
    number of queries. `items`: the lines are the positions of a list (the API's), from 0."""
    labels, errors = labels or {}, list(errors or [])
    models_by_sku = ProductModel.objects.in_bulk({sku for _l, _s, sku, _v in pending},
                                                 field_name="sku")
    owners = owners_by_serial({serial for _l, serial, _sku, _v in pending if serial})
    rows, first_line_of = [], {}
    for line, serial, sku, values in pending:
        found = registration_errors(customer, serial, sku, on_date,
                                    models_by_sku=models_by_sku, owners_by_serial=owners,
                                    precise=precise)
        if "serial" not in found and serial in first_line_of:
            found["serial"] = (_("The serial number %(serial)s already appears in item "
                                 "%(line)d.") if items else
                               _("The serial number %(serial)s already appears on line "
                                 "%(line)d.")) % {"serial": serial,
                                                  "line": first_line_of[serial]}
        first_line_of.setdefault(serial, line)
        for field in ("site", "room"):
            if len(values.get(field, "")) > 120:
                found[field] = _("This value is too long: at most %(max)d characters.") % {
                    "max": 120}
        errors.extend(RowError(line, labels.get(field, field), message)
                      for field, message in found.items())
        if not found:
            rows.append(RegistrationRow(line, serial, models_by_sku[sku],
                                        values.get("site", ""), values.get("room", "")))
    return rows, errors


def register_devices(customer, rows, *, user=None):
    """Registers checked rows in one transaction, each with its history entry."""
    now = timezone.now()
    devices = [Device(serial=row.serial, product_model=row.product, customer=customer,
                      site=row.site, room=row.room, source=Device.Source.REGISTERED,
                      first_seen=now, last_seen=now) for row in rows]
    with transaction.atomic():
        bulk_create_with_history(devices, Device, batch_size=500, default_user=user)
        webhooks.emit_devices_registered(customer, devices)
    return len(devices)


def register_items(customer, pending, on_date, *, precise=True, user=None, refused=None):
    """The API's bulk registration: `pending` as for `checked_rows`, positions from 0;
    `refused`: the errors of the items that could not be read, by the same names. All the
    devices, or none and a ValidationError naming each error `devices.<position>.<field>`.
    Returns the rows registered."""
    rows, errors = checked_rows(customer, pending, on_date, precise=precise, items=True)
    if errors or refused:
        found = dict(refused or {})
        for error in errors:
            found.setdefault(f"devices.{error.line}.{error.column}", []).append(error.message)
        raise ValidationError(found)
    try:
        register_devices(customer, rows, user=user)
    except IntegrityError:
        raise ValidationError(_("A device of the list was registered by someone else "
                                "meanwhile. Nothing was registered: try again.")) from None
    return rows
