"""Devices from CSV files: the Poly Lens inventory export, and customers' bulk registration.

A Lens import goes in two steps, and nothing is written unless every row passes:

1. `read_lens_file` and `validate_lens_rows` check every value of the file (header mapped
   by name, unknown columns ignored) and answer the clean rows or every error with its line;
2. `apply_lens_rows` writes them in one transaction: COPY into a temporary staging table,
   then one statement that creates the new devices, updates the known ones that change and
   marks those absent from a full export as not seen; then a snapshot of the customer's
   installed base per category.

A file with nothing to report takes a quicker way first (inventory.lens_bulk): PostgreSQL
reads and checks it with the same rules, and the same statement of step 2 writes it.

`process_import` runs these for a stored `LensImport` (the Celery task in inventory.tasks
calls it) and records the outcome on it; `import_now` does the same at once (demo data).

Bulk registration (`parse_registration_csv`, `register_devices`) applies the rules of
`inventory.services.registration_errors` to every row of a small file.
"""

import csv
import io
import logging
import re
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from operator import itemgetter
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

from . import lens_bulk
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
# New devices from which an import checks their foreign keys in one pass (see
# references_checked_once).
DEFAULT_ONE_PASS_REFERENCE_CHECK_FROM = 10_000
# Stored and shown at most; the total is kept too. A file wrong throughout (a column of
# another export) would otherwise fill a page with a hundred thousand identical lines.
MAX_ERRORS = 10_000

DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
ISO_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The models' own patterns, compiled here: Django's are lazy objects, slow to call 100,000
# times.
MAC_PATTERN = re.compile(mac_validator.regex.pattern)
SERIAL_PATTERN = re.compile(serial_validator.regex.pattern)
# Every serial of a file, one per line (see _check_columns).
_ONE_SERIAL = serial_validator.regex.pattern.removeprefix("^").removesuffix("$")
SERIALS_PATTERN = re.compile(rf"(?:{_ONE_SERIAL}\n)*{_ONE_SERIAL}")
# Every MAC address of a file, one per line, each empty or as stored (see lens_bulk).
_ONE_MAC = mac_validator.regex.pattern.removeprefix("^").removesuffix("$")
MACS_PATTERN = re.compile(rf"(?:(?:{_ONE_MAC})?\n)*(?:{_ONE_MAC})?")


def max_bytes():
    return getattr(settings, "LENS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


class ImportConflict(Exception):
    """A device changed hands between the check and the write: nothing was written."""


@dataclass
class ApplyResult:
    listed: int
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
    serial_at = next(index for index, field in columns.items() if field == "serial")
    with gc_paused():
        # The serial is there on almost every row: only a row without one is looked at whole.
        body = [record for record in body
                if (len(record[1]) > serial_at and record[1][serial_at].strip())
                or "".join(record[1]).strip()]
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
    moment = _read_moment(value)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def detected_text(value, zone, offsets):
    """`parse_detected(value, zone)` as text for the COPY (its `isoformat(sep=" ")`), or
    None if unreadable.

    Quicker than making the aware datetime: the zone's offset for a local time is cheap to
    ask for, and `offsets` ({offset: text}) keeps the few offsets of a file written out.
    """
    moment = _read_moment(value)
    if moment is None or moment.tzinfo is not None:
        return moment and moment.isoformat(sep=" ")
    # What `replace(tzinfo=zone)` would give: the same fields, fold included.
    offset = zone.utcoffset(moment)
    if offset not in offsets:
        offsets[offset] = datetime(2000, 1, 1, tzinfo=dt_timezone(offset)).isoformat()[19:]
    return moment.isoformat(sep=" ") + offsets[offset]


def _read_moment(value):
    """The datetime written in `value` (naive unless it carries an offset), or None."""
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


def serials_of_other_customers(customer, serials):
    """How many of `serials` are devices of another customer than `customer`.

    A count rather than EXISTS: planned for one early match, EXISTS probes the index once
    per serial, several times slower than the hash join a count gets when there is none.
    """
    if not serials:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM unnest(string_to_array(%s, chr(10))) AS f(serial) "
                       "JOIN inventory_device d ON d.serial = f.serial "
                       "WHERE d.customer_id <> %s", ["\n".join(serials), customer.pk])
        return cursor.fetchone()[0]


def validate_lens_rows(customer, header, columns, body, *, progress=None):
    """(rows, []) when every row can be applied, otherwise ([], every error).

    A row is a tuple in the order of STAGING_COLUMNS. `progress(n)` is called as the rows
    are checked, and with the number of rows at the end. Quote-only and end-of-life models
    are accepted: they exist in the customer's inventory, and are reported as not covered.

    Written for speed (a hundred thousand rows): a file is first checked column by column
    (`_check_columns`); only a file with something to report is checked row by row, which
    words every error with its line.
    """
    with gc_paused():
        rows = _check_columns(customer, header, columns, body)
        if rows is not None:
            if progress is not None:
                progress(len(body))
            return rows, []
        return _validate_lens_rows(customer, header, columns, body, progress)


def _check_columns(customer, header, columns, body):
    """The rows, exactly as `_validate_lens_rows` makes them, when every value passes its
    check; None as soon as one does not.

    Each check runs once per column, or once per distinct value (models, MAC addresses and
    dates repeat), in C where it can: a Python loop over every row costs more than the
    rest of the import's Python. The rules are `_validate_lens_rows`' own.
    """
    count, width = len(body), len(header)
    records = [cells for _line, cells in body]
    uniform = set(map(len, records)) == {width}
    if not uniform and any(cell.strip() for cells in records if len(cells) > width
                           for cell in cells[width:]):
        return None  # values past the header's last column: an error

    def column(field):
        index = next((index for index, name in columns.items() if name == field), None)
        if index is None:
            return [""] * count
        if uniform:
            return list(map(itemgetter(index), records))
        return [cells[index] if index < len(cells) else "" for cells in records]

    # All the serials in one string, one per line: normalised and matched in one call each.
    # A value holding whitespace (a line break above all) does not match.
    serials_text = "\n".join(column("serial")).upper()
    serials = serials_text.split("\n")
    if (len(serials) != count or not SERIALS_PATTERN.fullmatch(serials_text)
            or len(set(serials)) != count or serials_of_other_customers(customer, serials)):
        return None

    models = column("model")
    product_of = product_ids(set(models), ModelMatcher())
    if product_of is None:
        return None

    texts = {}
    for field in ("site", "room", "firmware"):
        texts[field] = column(field)
        stripped = stripped_texts(set(texts[field]), MAX_LENGTHS[field])
        if stripped is None:
            return None
        if any(value != text for value, text in stripped.items()):
            texts[field] = list(map(stripped.__getitem__, texts[field]))

    macs = column("mac")
    mac_of = stored_macs(set(macs))
    if mac_of is None:
        return None
    if any(value != mac for value, mac in mac_of.items()):  # Lens writes them as stored
        macs = list(map(mac_of.__getitem__, macs))

    detected = column("last_detected")
    seen_of = seen_texts(set(detected), ZoneInfo(customer.time_zone))
    if seen_of is None:
        return None

    return list(zip(serials, map(product_of.__getitem__, models), texts["site"],
                    texts["room"], macs, texts["firmware"], map(seen_of.__getitem__, detected),
                    strict=True))


# Each distinct value of a column, checked and written as `_validate_lens_rows` would:
# {value: what is stored}, or None as soon as one value is wrong.


def product_ids(values, matcher):
    """{model value: product model id}."""
    product_of = {}
    for value in values:
        product_id, message = matcher.match(value.strip()) if value.strip() else (None, "")
        if product_id is None or message:
            return None
        product_of[value] = product_id
    return product_of


def stripped_texts(values, max_length):
    stripped = {value: value.strip() for value in values}
    if max(map(len, stripped.values()), default=0) > max_length:
        return None
    return stripped


def stored_macs(values):
    """{value: MAC address as stored, or ""}."""
    mac_of = {}
    for value in values:
        mac = value.strip()
        if mac:
            mac = mac.upper()
            if not MAC_PATTERN.match(mac):
                mac = normalise_mac(mac)
                if not MAC_PATTERN.match(mac):
                    return None
        mac_of[value] = mac
    return mac_of


def seen_texts(values, zone):
    """{"Last Detected" value: `detected_text` of it, or "" for an empty one}."""
    offsets, seen_of = {}, {}
    for value in values:
        seen = value.strip()
        if seen:
            seen = detected_text(seen, zone, offsets)
            if seen is None:
                return None
        seen_of[value] = seen
    return seen_of


def _validate_lens_rows(customer, header, columns, body, progress):
    labels = {field: header[index] for index, field in columns.items()}
    index_of = {field: index for index, field in columns.items()}
    zone, offsets = ZoneInfo(customer.time_zone), {}
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
                dates[detected] = detected_text(detected, zone, offsets)
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

# No key: the checked rows hold each serial once, and the statement below joins the table
# by hashing it, never row by row (a FULL JOIN can only be a hash or merge join), so the
# planner's idea of its size does not matter.
STAGING_TABLE = """
    CREATE TEMPORARY TABLE lens_staging (
        serial varchar(40) NOT NULL,
        product_model_id bigint NOT NULL,
        site varchar(120) NOT NULL,
        room varchar(120) NOT NULL,
        mac varchar(17) NOT NULL,
        firmware varchar(40) NOT NULL,
        last_seen timestamptz
    ) ON COMMIT DROP
"""

# One statement, around a single join of the file's rows with the customer's devices
# (`matched`: a row only, a device only, or both). From it:
# - `created`: new serials, in serial order (quicker for the indexes), first seen when Lens
#   last detected them. A serial that someone took since the join is treated as an upsert
#   would treat it: updated if it is the customer's, not written at all if it is another
#   customer's (refused while checking, so a race), which the counts reveal;
# - `updated`: the customer's devices whose values change. They keep their customer, status
#   and source, and an empty value in the file keeps the current one. A device whose values
#   would not change is not written at all: re-importing an export costs a read;
# - `marked`: the customer's active devices absent from a full export; those already
#   reported missing keep their date.
APPLY = """
    WITH matched AS MATERIALIZED (
        SELECT s.serial AS listed, s.product_model_id, s.site, s.room, s.mac, s.firmware,
               COALESCE(s.last_seen, %(now)s) AS seen, d.id, d.status, d.not_seen_since,
               (d.product_model_id, d.site, d.room, d.mac_address, d.firmware_version,
                d.first_seen, d.last_seen, d.not_seen_since)
               IS DISTINCT FROM
               (s.product_model_id, COALESCE(NULLIF(s.site, ''), d.site),
                COALESCE(NULLIF(s.room, ''), d.room),
                COALESCE(NULLIF(s.mac, ''), d.mac_address),
                COALESCE(NULLIF(s.firmware, ''), d.firmware_version),
                COALESCE(d.first_seen, s.last_seen, %(now)s),
                GREATEST(d.last_seen, COALESCE(s.last_seen, %(now)s)), NULL) AS changed
        FROM {rows} s
        FULL JOIN (SELECT id, serial, status, product_model_id, site, room, mac_address,
                          firmware_version, first_seen, last_seen, not_seen_since
                   FROM inventory_device WHERE customer_id = %(customer)s) d
            ON d.serial = s.serial
    ),
    created AS (
        INSERT INTO inventory_device AS d
            (serial, product_model_id, customer_id, site, room, mac_address,
             firmware_version, status, source, first_seen, last_seen, not_seen_since,
             created_at)
        SELECT listed, product_model_id, %(customer)s, site, room, mac, firmware,
               %(active)s, %(lens)s, seen, seen, NULL, %(now)s
        FROM matched WHERE id IS NULL
        ORDER BY listed COLLATE "C"
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
    ),
    updated AS (
        UPDATE inventory_device AS d SET
            product_model_id = m.product_model_id,
            site = COALESCE(NULLIF(m.site, ''), d.site),
            room = COALESCE(NULLIF(m.room, ''), d.room),
            mac_address = COALESCE(NULLIF(m.mac, ''), d.mac_address),
            firmware_version = COALESCE(NULLIF(m.firmware, ''), d.firmware_version),
            first_seen = COALESCE(d.first_seen, m.seen),
            last_seen = GREATEST(d.last_seen, m.seen),
            not_seen_since = NULL
        FROM matched m
        WHERE m.listed IS NOT NULL AND m.changed AND d.id = m.id
          AND d.customer_id = %(customer)s
        RETURNING 1
    ),
    marked AS (
        UPDATE inventory_device AS d SET not_seen_since = %(now)s
        FROM matched m
        WHERE %(full_export)s AND m.listed IS NULL AND m.status = %(active)s
          AND m.not_seen_since IS NULL AND d.id = m.id
          AND d.status = %(active)s AND d.not_seen_since IS NULL
        RETURNING 1
    )
    SELECT count(*) FILTER (WHERE listed IS NOT NULL AND id IS NULL),
           (SELECT count(*) FROM created),
           (SELECT count(*) FILTER (WHERE inserted) FROM created),
           count(*) FILTER (WHERE listed IS NOT NULL AND id IS NOT NULL),
           count(*) FILTER (WHERE listed IS NOT NULL AND id IS NOT NULL AND changed),
           (SELECT count(*) FROM updated),
           count(*) FILTER (WHERE listed IS NULL AND status = %(active)s)
    FROM matched
"""


CSV_ROW = ",".join(["%s"] * len(STAGING_COLUMNS)) + "\n"


def csv_text(rows):
    """The rows as CSV, as the csv module writes them.

    Values rarely need quoting: the rows are then simply joined with commas (twice as
    quick), which the counts of commas and line feeds over the whole text confirm.
    """
    text = "".join(map(CSV_ROW.__mod__, rows))
    if (text.count(",") == (len(STAGING_COLUMNS) - 1) * len(rows)
            and text.count("\n") == len(rows) and '"' not in text and "\r" not in text):
        return text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def apply_lens_rows(customer, rows, *, full_export, now=None, lens_import=None):
    """Writes checked rows for `customer`: all of them or, on ImportConflict, none.

    Bulk SQL bypasses django-simple-history: an import leaves no history entry per device
    (the LensImport itself records who imported what, and when).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped at commit; dropped here too when a test runs two imports in one
        # transaction.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.lens_staging")
        cursor.execute(STAGING_TABLE)
        # Sent as CSV in large blocks: much faster than a row at a time. An unquoted empty
        # value is NULL (a missing last_detected).
        with cursor.copy(f"COPY lens_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN "
                         "(FORMAT csv, FORCE_NOT_NULL (site, room, mac, firmware))") as copy:
            for start in range(0, len(rows), COPY_BATCH):
                copy.write(csv_text(rows[start:start + COPY_BATCH]))
        result = apply_rows(cursor, "lens_staging", len(rows), customer,
                            full_export=full_export, now=now, lens_import=lens_import)
        cursor.execute("DROP TABLE lens_staging")
    return result


def apply_rows(cursor, relation, listed, customer, *, full_export, now=None,
               lens_import=None):
    """Writes the `listed` checked rows of `relation` (columns as STAGING_COLUMNS) for
    `customer`, and records the snapshot. Call inside a transaction."""
    now = now or timezone.now()
    params = {"customer": customer.pk, "now": now, "active": Device.Status.ACTIVE,
              "lens": Device.Source.LENS, "full_export": full_export}
    # For this transaction only: the join and the sort of a large file stay in memory, and
    # the statement is not compiled (JIT), which takes longer than it saves here.
    cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SELECT count(*) FROM inventory_device WHERE customer_id = %s",
                   [customer.pk])
    (devices,) = cursor.fetchone()
    checks = (references_checked_once(cursor)
              if listed - devices >= one_pass_reference_check_from() else nullcontext())
    with checks:
        cursor.execute(APPLY.format(rows=relation), params)
        new, written_new, created, known, changed, written_known, absent = cursor.fetchone()
        # Fewer rows written than the join planned: since the check, a serial of the file
        # went to another customer, or a device that changes here changed hands.
        if written_new != new or written_known != changed:
            raise ImportConflict
    snapshot = record_snapshot(customer, customer_today(customer, now),
                               InventorySnapshot.Source.LENS, lens_import=lens_import)
    return ApplyResult(listed=listed, created=created, updated=known + written_new - created,
                       marked_missing=absent if full_export else 0, snapshot=snapshot)


def one_pass_reference_check_from():
    return getattr(settings, "LENS_IMPORT_ONE_PASS_REFERENCE_CHECK_FROM",
                   DEFAULT_ONE_PASS_REFERENCE_CHECK_FROM)


@contextmanager
def references_checked_once(cursor):
    """The devices' foreign keys (customer, product model) checked once for the whole
    table at the end of the block, rather than once per new row.

    PostgreSQL checks a foreign key row by row, with a query each: for a hundred thousand
    new devices, more than the insert itself. Dropped and added back in the transaction,
    the constraints are checked by one join, and hold as before at commit. The price: the
    devices table of this partner is locked for the rest of the transaction (pages wait
    for the import, a second or so for a hundred thousand devices), so it is only done for
    imports that create many devices.
    """
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = 'inventory_device'::regclass AND contype = 'f' "
                   "ORDER BY conname")
    constraints = cursor.fetchall()
    # Checks still waiting for the commit (devices written earlier in the transaction)
    # would forbid the ALTER TABLE: they are run now, and checks deferred again after.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute("ALTER TABLE inventory_device " + ", ".join(
        f'DROP CONSTRAINT "{name}"' for name, _definition in constraints))
    yield
    cursor.execute("ALTER TABLE inventory_device " + ", ".join(
        f'ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints))


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
    # A large file is hundreds of thousands of lists, strings and tuples, none of them in a
    # reference cycle: the cycle collector would walk them over and over while the import
    # runs. It resumes once they are freed, on return from _process_import.
    with gc_paused():
        return _process_import(lens_import)


def _process_import(lens_import):
    customer = lens_import.customer
    try:
        with lens_import.file.open("rb") as stored:
            data = stored.read()
    except OSError:
        logger.exception("Lens import %s: the file cannot be read", lens_import.pk)
        return _fail(lens_import, [RowError(None, "", _(
            "The uploaded file can no longer be read. Upload it again."))])
    try:
        with transaction.atomic():
            # The quick way, for a file with nothing to report (inventory.lens_bulk).
            result = lens_bulk.import_file(customer, data, full_export=lens_import.full_export,
                                           lens_import=lens_import)
            if result is not None:
                return _succeed(lens_import, result)
        header, columns, body, errors = read_lens_file(data)
        if errors:
            return _fail(lens_import, errors)
        _update(lens_import, total_rows=len(body), processed_rows=0)
        rows, errors = validate_lens_rows(customer, header, columns, body,
                                          progress=progress_recorder(lens_import))
        if errors:
            return _fail(lens_import, errors)
        with transaction.atomic():
            result = apply_lens_rows(customer, rows, full_export=lens_import.full_export,
                                     lens_import=lens_import)
            return _succeed(lens_import, result)
    except ImportConflict:
        return _fail(lens_import, [RowError(None, "", _(
            "Some of these devices were registered to another customer while the file was "
            "being checked. Nothing was imported: import the file again."))])


def _succeed(lens_import, result):
    # In the caller's transaction: the devices and "succeeded" are written together.
    _update(lens_import, status=LensImport.Status.SUCCEEDED, finished_at=timezone.now(),
            total_rows=result.listed, processed_rows=result.listed,
            devices_created=result.created, devices_updated=result.updated,
            devices_marked_missing=result.marked_missing, snapshot=result.snapshot)


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


def queue_import(*, customer, upload, full_export, uploaded_by=None, uploaded_by_csm=""):
    """Stores an uploaded export and queues its import once the transaction commits, in the
    current schema (the upload page and the API)."""
    from portal.tenants.tasks import enqueue_on_commit

    from .tasks import run_lens_import

    with transaction.atomic():
        lens_import = create_import(customer=customer, upload=upload, filename=upload.name,
                                    full_export=full_export, uploaded_by=uploaded_by,
                                    uploaded_by_csm=uploaded_by_csm)
        enqueue_on_commit(run_lens_import, lens_import.pk)
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
