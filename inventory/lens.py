"""Devices from CSV files: the Poly Lens inventory export, and customers' bulk registration.

A Lens import goes in two steps, and nothing is written unless every row passes:

1. `read_lens_file` and `validate_lens_rows` check the file row by row (header mapped by
   name, unknown columns ignored) and answer the clean rows or every error with its line;
2. `apply_lens_rows` writes them in one transaction: COPY into a temporary staging table,
   one `INSERT … ON CONFLICT (serial) DO UPDATE`, devices absent from a full export marked
   as not seen, then a snapshot of the customer's installed base per category.

`process_import` runs both for a stored `LensImport` (the Celery task in inventory.tasks
calls it) and records the outcome on it; `import_now` does the same at once (demo data).

Bulk registration (`parse_registration_csv`, `register_devices`) applies the rules of
`inventory.services.registration_errors` to every row of a small file.
"""

import csv
import io
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.catalogue.models import Category, ProductModel
from portal.csvimport import (
    RowError,
    aliases_for,
    extra_values_error,
    gc_paused,
    map_header,
    read_upload,
    sort_errors,
)

from .coverage import active_contracts_by_customer, device_coverage
from .models import (
    Device,
    InventorySnapshot,
    LensImport,
    SnapshotCount,
    mac_validator,
    normalise_mac,
    normalise_serial,
    serial_validator,
)
from .services import registration_errors

logger = logging.getLogger(__name__)

# Header names as Poly Lens writes them, in English and French exports (case, accents,
# spaces and hyphens do not matter). Any other column is ignored.
LENS_HEADERS = {
    "serial": ["Serial Number", "Serial", "serial_number", "Numéro de série"],
    "model": ["Product", "Model", "Product Name", "device_model", "Modèle"],
    "firmware": ["Firmware", "Software Version", "Version logicielle"],
    "site": ["Site", "site_name"],
    "room": ["Room", "room_name", "Salle"],
    "mac": ["MAC Address", "mac_address", "Adresse MAC"],
    "last_detected": ["Last Detected", "Dernière détection"],
}
LENS_ALIASES = aliases_for(LENS_HEADERS)
LENS_COLUMNS = list(LENS_HEADERS)
LENS_REQUIRED = ["serial", "model"]
# The rows' values, in the order of the staging table's columns.
STAGING_COLUMNS = ["serial", "product_model_id", "site", "room", "mac", "firmware",
                   "last_seen"]
MAX_LENGTHS = {"site": 120, "room": 120, "firmware": 40}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
PROGRESS_EVERY = 1000
COPY_BATCH = 10_000
# Stored and shown at most; the total is kept too. A file wrong throughout (a column of
# another export) would otherwise fill a page with a hundred thousand identical lines.
MAX_ERRORS = 10_000

DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
ISO_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The models' own patterns, compiled here: Django's are lazy objects, slow to call 100,000
# times.
MAC_PATTERN = re.compile(mac_validator.regex.pattern)
SERIAL_PATTERN = re.compile(serial_validator.regex.pattern)


def max_bytes():
    return getattr(settings, "LENS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


class ImportConflict(Exception):
    """A device changed hands between the check and the write: nothing was written."""


@dataclass
class ApplyResult:
    created: int
    updated: int
    marked_missing: int
    snapshot: InventorySnapshot


# Reading and checking ----------------------------------------------------------------------


def read_lens_file(upload):
    """(header, {index: field}, [(line, cells)] of non-empty rows, errors)."""
    records, errors = read_upload(upload, max_bytes())
    if errors:
        return [], {}, [], errors
    header, body = records[0][1], records[1:]
    columns, errors = map_header(header, LENS_ALIASES, required=LENS_REQUIRED,
                                 columns=LENS_COLUMNS, ignore_unknown=True)
    if errors:
        return header, columns, [], errors
    with gc_paused():
        body = [(line, cells) for line, cells in body if "".join(cells).strip()]
    if not body:
        return header, columns, [], [RowError(None, "", _("The file has no device rows."))]
    return header, columns, body, []


class ModelMatcher:
    """A product model from a Lens value: the SKU first, then the name, case-insensitively
    (with or without the "Poly" that Lens puts before names)."""

    def __init__(self):
        self.by_sku, self.by_name = {}, {}
        for pk, sku, name in ProductModel.objects.values_list("pk", "sku", "name"):
            self.by_sku[sku.upper()] = pk
            key = name.casefold()
            # Two models of the same name: only their SKUs tell them apart.
            self.by_name[key] = None if key in self.by_name else pk
        self.cache = {}

    def match(self, value):
        """(primary key, None) or (None, error message)."""
        if value not in self.cache:
            self.cache[value] = self._match(value)
        return self.cache[value]

    def _match(self, value):
        if value.upper() in self.by_sku:
            return self.by_sku[value.upper()], None
        name = " ".join(value.casefold().split())
        for key in (name, name.removeprefix("poly ")):
            if key in self.by_name:
                if self.by_name[key] is None:
                    return None, _("“%(model)s” names several product models: use the "
                                   "SKU.") % {"model": value}
                return self.by_name[key], None
        return None, _("Unknown product model “%(sku)s”.") % {"sku": value}


def parse_detected(value, zone):
    """An aware datetime from `YYYY-MM-DD HH:MM[:SS]` (ISO, with or without an offset) or
    `DD/MM/YYYY HH:MM[:SS]`; a time without offset is in `zone`. None if unreadable."""
    try:
        if ISO_LIKE.match(value):
            moment = datetime.fromisoformat(value)
        else:
            match = DAY_FIRST.fullmatch(value)
            if match is None:
                return None
            day, month, year, hour, minute, second = (int(part or 0)
                                                      for part in match.groups())
            moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def owners_by_serial(serials):
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


def validate_lens_rows(customer, header, columns, body, *, progress=None):
    """(rows, []) when every row can be applied, otherwise ([], every error).

    A row is a tuple in the order of STAGING_COLUMNS. `progress(n)` is called every
    PROGRESS_EVERY rows. Quote-only and end-of-life models are accepted: they exist in
    the customer's inventory, and are reported as not covered.

    Written for speed (a hundred thousand rows): the loop is plain, lookups are cached.
    """
    with gc_paused():
        return _validate_lens_rows(customer, header, columns, body, progress)


def _validate_lens_rows(customer, header, columns, body, progress):
    labels = {field: header[index] for index, field in columns.items()}
    index_of = {field: index for index, field in columns.items()}
    zone = ZoneInfo(customer.time_zone)
    matcher = ModelMatcher()
    width = len(header)
    serial_at, model_at = index_of["serial"], index_of["model"]
    site_at, room_at = index_of.get("site"), index_of.get("room")
    mac_at, firmware_at = index_of.get("mac"), index_of.get("firmware")
    detected_at = index_of.get("last_detected")

    # Every row gets at least one empty value past the header's last column: a column the
    # file lacks, or a short row, reads as that empty value.
    pad = width
    site_at, room_at, mac_at, firmware_at, detected_at = (
        pad if index is None else index
        for index in (site_at, room_at, mac_at, firmware_at, detected_at))
    extra_values = {}
    for position, (line, cells) in enumerate(body):
        if len(cells) > width:
            error = extra_values_error(line, cells, header)
            if error:
                extra_values[position] = error
        else:
            cells.extend([""] * (width + 1 - len(cells)))
    serials = ["".join(cells[serial_at].split()).upper() for _line, cells in body]
    owners = owners_by_serial({serial for serial in serials if serial})
    errors, rows, first_line_of, dates = [], [], {}, {}

    for position, ((line, cells), serial) in enumerate(zip(body, serials, strict=True)):
        if progress is not None and position and position % PROGRESS_EVERY == 0:
            progress(position)
        if extra_values and position in extra_values:
            errors.append(extra_values[position])
            continue
        row_errors = []
        if not serial:
            row_errors.append(RowError(line, labels["serial"],
                                       _("The serial number is missing.")))
        elif not SERIAL_PATTERN.match(serial):
            row_errors.append(RowError(line, labels["serial"], _(
                "“%(serial)s” is not a valid serial number: use 6 to 40 capital letters, "
                "digits or hyphens.") % {"serial": serial}))
        elif serial in first_line_of:
            row_errors.append(RowError(line, labels["serial"], _(
                "The serial number %(serial)s already appears on line %(line)d.") % {
                    "serial": serial, "line": first_line_of[serial]}))
        else:
            first_line_of[serial] = line
            owner = owners.get(serial)
            if owner is not None and owner != customer.pk:
                # Never say which customer: it is someone else's organisation.
                row_errors.append(RowError(line, labels["serial"], _(
                    "This serial number is already registered to another customer. "
                    "Contact support if the device is yours.")))
        model = cells[model_at].strip()
        if not model:
            product_id = None
            row_errors.append(RowError(line, labels["model"],
                                       _("The product model is missing.")))
        else:
            product_id, message = matcher.match(model)
            if message:
                row_errors.append(RowError(line, labels["model"], message))
        site, room = cells[site_at].strip(), cells[room_at].strip()
        firmware = cells[firmware_at].strip()
        for field, value in (("site", site), ("room", room), ("firmware", firmware)):
            if len(value) > MAX_LENGTHS[field]:
                row_errors.append(RowError(line, labels[field], _(
                    "This value is too long: at most %(max)d characters.") % {
                        "max": MAX_LENGTHS[field]}))
        mac = cells[mac_at].strip()
        if mac:
            mac = mac.upper()
            if not MAC_PATTERN.match(mac):
                mac = normalise_mac(mac)
                if not MAC_PATTERN.match(mac):
                    row_errors.append(RowError(line, labels["mac"], _(
                        "“%(value)s” is not a MAC address such as 00:04:F2:AB:CD:EF.") % {
                            "value": cells[mac_at].strip()}))
        detected = cells[detected_at].strip()
        if detected:
            if detected not in dates:
                # As text for the COPY, once per distinct value.
                moment = parse_detected(detected, zone)
                dates[detected] = moment.isoformat(sep=" ") if moment else None
            if dates[detected] is None:
                row_errors.append(RowError(line, labels["last_detected"], _(
                    "“%(value)s” is not a date and time: use YYYY-MM-DD HH:MM or "
                    "DD/MM/YYYY HH:MM.") % {"value": detected}))
            detected = dates[detected]
        if row_errors:
            errors.extend(row_errors)
        elif not errors:  # once a row is wrong, only errors matter
            rows.append((serial, product_id, site, room, mac, firmware, detected))
    if progress is not None:
        progress(len(body))
    if errors:
        return [], sort_errors(errors, header)
    return rows, []


# Writing ----------------------------------------------------------------------------------

STAGING_TABLE = """
    CREATE TEMPORARY TABLE lens_staging (
        -- The key keeps finding the devices absent from the export a quick join, whatever
        -- the planner believes of the devices table just after a large import.
        serial varchar(40) PRIMARY KEY,
        product_model_id bigint NOT NULL,
        site varchar(120) NOT NULL,
        room varchar(120) NOT NULL,
        mac varchar(17) NOT NULL,
        firmware varchar(40) NOT NULL,
        last_seen timestamptz
    ) ON COMMIT DROP
"""

# New devices come from Lens and were first seen when Lens last detected them. Known
# devices keep their customer (a serial of another customer was refused while checking;
# the WHERE makes sure of it, and a shorter count than the rows' reveals a race), their
# status and their source; an empty value in the file keeps the current one.
UPSERT = """
    WITH upserted AS (
        INSERT INTO inventory_device AS d
            (serial, product_model_id, customer_id, site, room, mac_address,
             firmware_version, status, source, first_seen, last_seen, not_seen_since,
             created_at)
        SELECT s.serial, s.product_model_id, %(customer)s, s.site, s.room, s.mac, s.firmware,
               %(active)s, %(lens)s, COALESCE(s.last_seen, %(now)s),
               COALESCE(s.last_seen, %(now)s), NULL, %(now)s
        FROM lens_staging s
        ON CONFLICT (serial) DO UPDATE SET
            product_model_id = EXCLUDED.product_model_id,
            site = COALESCE(NULLIF(EXCLUDED.site, ''), d.site),
            room = COALESCE(NULLIF(EXCLUDED.room, ''), d.room),
            mac_address = COALESCE(NULLIF(EXCLUDED.mac_address, ''), d.mac_address),
            firmware_version = COALESCE(NULLIF(EXCLUDED.firmware_version, ''),
                                        d.firmware_version),
            first_seen = COALESCE(d.first_seen, EXCLUDED.first_seen),
            last_seen = GREATEST(d.last_seen, EXCLUDED.last_seen),
            not_seen_since = NULL
        WHERE d.customer_id = EXCLUDED.customer_id
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FROM upserted
"""

# Devices already reported missing keep the date they went missing.
MARK_MISSING = """
    UPDATE inventory_device AS d SET not_seen_since = %(now)s
    WHERE d.customer_id = %(customer)s AND d.status = %(active)s
      AND d.not_seen_since IS NULL
      AND NOT EXISTS (SELECT 1 FROM lens_staging s WHERE s.serial = d.serial)
"""
# Once the export's devices are cleared and the others marked: every active device absent
# from the export.
COUNT_MISSING = """
    SELECT count(*) FROM inventory_device
    WHERE customer_id = %(customer)s AND status = %(active)s AND not_seen_since IS NOT NULL
"""


def apply_lens_rows(customer, rows, *, full_export, now=None, lens_import=None):
    """Writes checked rows for `customer`: all of them or, on ImportConflict, none.

    Bulk SQL bypasses django-simple-history: an import leaves no history entry per device
    (the LensImport itself records who imported what, and when).
    """
    now = now or timezone.now()
    params = {"customer": customer.pk, "now": now, "active": Device.Status.ACTIVE,
              "lens": Device.Source.LENS}
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped at commit; dropped here too when a rolled-back savepoint left one behind
        # (or a test runs two imports in one transaction).
        cursor.execute("DROP TABLE IF EXISTS pg_temp.lens_staging")
        cursor.execute(STAGING_TABLE)
        # Written as CSV by the csv module (in C), sent in large blocks: much faster than
        # a row at a time. An unquoted empty value is NULL (a missing last_detected).
        with cursor.copy(f"COPY lens_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN "
                         "(FORMAT csv, FORCE_NOT_NULL (site, room, mac, firmware))") as copy:
            for start in range(0, len(rows), COPY_BATCH):
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(
                    rows[start:start + COPY_BATCH])
                copy.write(buffer.getvalue())
        cursor.execute(UPSERT, params)
        created, written = cursor.fetchone()
        if written != len(rows):
            raise ImportConflict
        marked = 0
        if full_export:
            cursor.execute(MARK_MISSING, params)
            cursor.execute(COUNT_MISSING, params)
            (marked,) = cursor.fetchone()
        cursor.execute("DROP TABLE lens_staging")
        snapshot = record_snapshot(customer, customer_today(customer, now),
                                   InventorySnapshot.Source.LENS, lens_import=lens_import)
    return ApplyResult(created=created, updated=written - created, marked_missing=marked,
                       snapshot=snapshot)


def customer_today(customer, now=None):
    return timezone.localtime(now or timezone.now(), ZoneInfo(customer.time_zone)).date()


def record_snapshot(customer, on_date, source, *, lens_import=None):
    """Counts the customer's active devices that were not reported missing, per category,
    covered or not on `on_date`.

    The database counts the devices per product model; the coverage rule
    (inventory.coverage.device_coverage) is then applied once per model, which is the same
    rule as `covered_q` and much cheaper than a contract lookup per device.
    """
    per_model = dict(Device.objects.filter(customer=customer, status=Device.Status.ACTIVE,
                                           not_seen_since__isnull=True)
                     .values_list("product_model").annotate(count=Count("pk")).order_by())
    products = ProductModel.objects.in_bulk(per_model)
    contract = active_contracts_by_customer([customer.pk], on_date).get(customer.pk)
    counts = {category: {"covered": 0, "uncovered": 0} for category in Category.values}
    for product_id, count in per_model.items():
        product = products[product_id]
        covered = device_coverage(Device(product_model=product), on_date, contract).covered
        counts[product.category]["covered" if covered else "uncovered"] += count
    snapshot = InventorySnapshot.objects.create(customer=customer, taken_on=on_date,
                                                source=source, lens_import=lens_import)
    SnapshotCount.objects.bulk_create([
        SnapshotCount(snapshot=snapshot, category=category, **values)
        for category, values in counts.items()])
    return snapshot


# A stored import, from start to end ----------------------------------------------------------


def _update(lens_import, **fields):
    """A quick UPDATE of its own: outside any transaction it is seen at once by the page."""
    LensImport.objects.filter(pk=lens_import.pk).update(**fields)
    for name, value in fields.items():
        setattr(lens_import, name, value)


def _fail(lens_import, errors):
    _update(lens_import, status=LensImport.Status.FAILED, finished_at=timezone.now(),
            error_count=len(errors),
            errors=[error.as_dict() for error in errors[:MAX_ERRORS]])


def fail_unexpectedly(lens_import):
    # The apply step is one transaction: whatever went wrong, nothing of it was written.
    _fail(lens_import, [RowError(None, "", _(
        "The import stopped on an unexpected error and nothing was imported. Try again, "
        "or contact support if it happens again."))])


def progress_recorder(lens_import, every=0.5):
    """A `progress` callback that records the count at most every `every` seconds: the
    page asks once a second, and each write costs a round trip."""
    last = [0.0]

    def record(count):
        now = time.monotonic()
        if now - last[0] >= every or count >= lens_import.total_rows:
            last[0] = now
            _update(lens_import, processed_rows=count)
    return record


def process_import(lens_import):
    """Checks and applies a claimed (running) import, and records how it ended."""
    customer = lens_import.customer
    try:
        with lens_import.file.open("rb") as stored:
            data = stored.read()
    except OSError:
        logger.exception("Lens import %s: the file cannot be read", lens_import.pk)
        return _fail(lens_import, [RowError(None, "", _(
            "The uploaded file can no longer be read. Upload it again."))])
    header, columns, body, errors = read_lens_file(data)
    if errors:
        return _fail(lens_import, errors)
    _update(lens_import, total_rows=len(body), processed_rows=0)
    rows, errors = validate_lens_rows(customer, header, columns, body,
                                      progress=progress_recorder(lens_import))
    if errors:
        return _fail(lens_import, errors)
    try:
        with transaction.atomic():
            result = apply_lens_rows(customer, rows, full_export=lens_import.full_export,
                                     lens_import=lens_import)
            # In the same transaction: the devices and "succeeded" are written together.
            _update(lens_import, status=LensImport.Status.SUCCEEDED,
                    finished_at=timezone.now(), devices_created=result.created,
                    devices_updated=result.updated,
                    devices_marked_missing=result.marked_missing, snapshot=result.snapshot)
    except ImportConflict:
        return _fail(lens_import, [RowError(None, "", _(
            "Some of these devices were registered to another customer while the file was "
            "being checked. Nothing was imported: import the file again."))])


def create_import(*, customer, upload, filename, full_export=True, uploaded_by=None,
                  uploaded_by_csm=""):
    """Stores the file under a random name and records a queued import."""
    lens_import = LensImport(customer=customer, uploaded_by=uploaded_by,
                             uploaded_by_csm=uploaded_by_csm,
                             original_filename=filename[:255], size=upload.size,
                             full_export=full_export)
    lens_import.file.save(filename, upload, save=False)
    lens_import.save()
    return lens_import


def import_now(customer, data, *, filename="lens-export.csv", full_export=True,
               uploaded_by=None):
    """Stores and processes an export at once, without Celery (demo data, scripts)."""
    lens_import = create_import(customer=customer, upload=ContentFile(data), filename=filename,
                                full_export=full_export, uploaded_by=uploaded_by)
    _update(lens_import, status=LensImport.Status.RUNNING, started_at=timezone.now())
    process_import(lens_import)
    lens_import.refresh_from_db()
    return lens_import


# Bulk registration --------------------------------------------------------------------------

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


def parse_registration_csv(customer, upload, on_date):
    """(rows, []) when every device of the file can be registered to `customer`,
    otherwise ([], every error), in a fixed number of queries."""
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
    models_by_sku = ProductModel.objects.in_bulk({sku for _l, _s, sku, _v in pending},
                                                 field_name="sku")
    owners = owners_by_serial({serial for _l, serial, _sku, _v in pending if serial})
    rows, first_line_of = [], {}
    for line, serial, sku, values in pending:
        found = registration_errors(customer, serial, sku, on_date,
                                    models_by_sku=models_by_sku, owners_by_serial=owners)
        if "serial" not in found and serial in first_line_of:
            found["serial"] = _("The serial number %(serial)s already appears on line "
                                "%(line)d.") % {"serial": serial, "line": first_line_of[serial]}
        first_line_of.setdefault(serial, line)
        for field in ("site", "room"):
            if len(values.get(field, "")) > 120:
                found[field] = _("This value is too long: at most %(max)d characters.") % {
                    "max": 120}
        errors.extend(RowError(line, labels[field], message)
                      for field, message in found.items())
        if not found:
            rows.append(RegistrationRow(line, serial, models_by_sku[sku],
                                        values.get("site", ""), values.get("room", "")))
    if errors:
        return [], sort_errors(errors, header)
    return rows, []


def register_devices(customer, rows, *, user=None):
    """Registers checked rows in one transaction, each with its history entry."""
    now = timezone.now()
    devices = [Device(serial=row.serial, product_model=row.product, customer=customer,
                      site=row.site, room=row.room, source=Device.Source.REGISTERED,
                      first_seen=now, last_seen=now) for row in rows]
    with transaction.atomic():
        bulk_create_with_history(devices, Device, batch_size=500, default_user=user)
    return len(devices)
