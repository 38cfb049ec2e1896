"""Writing checked Lens rows: COPY into a temporary staging table, then one statement that
creates the new devices, updates the known ones that change and marks those absent from a
full export as not seen; then a snapshot of the customer's installed base per category.

The database path (inventory.lens.bulk) writes with the same statement, from a view over
the file as PostgreSQL read it.
"""

import csv
import io
import zlib
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from psycopg.errors import LockNotAvailable

from portal.catalogue.models import Category, ProductModel
from portal.webhooks import services as webhooks

from ..coverage import active_contracts_by_customer, device_coverage
from ..models import Device, InventorySnapshot, LensImport, SnapshotCount
from . import review
from .columns import STAGING_COLUMNS

COPY_BATCH = 10_000
# New devices from which an import checks their foreign keys in one pass (see
# references_checked_once).
DEFAULT_ONE_PASS_REFERENCE_CHECK_FROM = 10_000


class ImportConflict(Exception):
    """A device changed hands between the check and the write: nothing was written."""


class OlderExport(Exception):
    """The export is older than one already applied for the customer: nothing was written.

    `export_date` is this export's (None when it has no dates), `newest` the applied
    LensImport that is newer."""

    def __init__(self, export_date, newest):
        super().__init__(export_date, newest)
        self.export_date = export_date
        self.newest = newest


@dataclass
class ApplyResult:
    listed: int
    created: int
    updated: int
    marked_missing: int
    snapshot: InventorySnapshot
    export_date: datetime | None = None


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
# `reported`: what the device.changed webhook lists as updated. The dates alone are no change
# there (every monthly export moves them), as in the import's review.
APPLY = """
    WITH matched AS MATERIALIZED (
        SELECT s.serial AS listed, s.product_model_id, s.site, s.room, s.mac, s.firmware,
               COALESCE(s.last_seen, %(now)s) AS seen, d.id, d.serial AS known, d.status,
               d.not_seen_since,
               (d.product_model_id, d.site, d.room, d.mac_address, d.firmware_version,
                d.first_seen, d.last_seen, d.not_seen_since)
               IS DISTINCT FROM
               (s.product_model_id, COALESCE(NULLIF(s.site, ''), d.site),
                COALESCE(NULLIF(s.room, ''), d.room),
                COALESCE(NULLIF(s.mac, ''), d.mac_address),
                COALESCE(NULLIF(s.firmware, ''), d.firmware_version),
                COALESCE(d.first_seen, s.last_seen, %(now)s),
                GREATEST(d.last_seen, COALESCE(s.last_seen, %(now)s)), NULL) AS changed,
               (d.product_model_id, d.site, d.room, d.mac_address, d.firmware_version,
                d.not_seen_since IS NOT NULL)
               IS DISTINCT FROM
               (s.product_model_id, COALESCE(NULLIF(s.site, ''), d.site),
                COALESCE(NULLIF(s.room, ''), d.room),
                COALESCE(NULLIF(s.mac, ''), d.mac_address),
                COALESCE(NULLIF(s.firmware, ''), d.firmware_version), false) AS reported
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
             created_at, updated_at)
        SELECT listed, product_model_id, %(customer)s, site, room, mac, firmware,
               %(active)s, %(lens)s, seen, seen, NULL, %(now)s, %(changed_at)s
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
            not_seen_since = NULL,
            updated_at = EXCLUDED.updated_at
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
            not_seen_since = NULL,
            updated_at = %(changed_at)s
        FROM matched m
        WHERE m.listed IS NOT NULL AND m.changed AND d.id = m.id
          AND d.customer_id = %(customer)s
        RETURNING 1
    ),
    marked AS (
        UPDATE inventory_device AS d SET not_seen_since = %(now)s, updated_at = %(changed_at)s
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
           count(*) FILTER (WHERE listed IS NULL AND status = %(active)s),
           count(*) FILTER (WHERE %(full_export)s AND listed IS NULL AND status = %(active)s
                            AND not_seen_since IS NULL),
           ARRAY(SELECT listed FROM matched WHERE listed IS NOT NULL AND id IS NULL
                 ORDER BY listed LIMIT %(listed_at_most)s),
           count(*) FILTER (WHERE listed IS NOT NULL AND id IS NOT NULL AND reported),
           ARRAY(SELECT listed FROM matched
                 WHERE listed IS NOT NULL AND id IS NOT NULL AND reported
                 ORDER BY listed LIMIT %(listed_at_most)s),
           ARRAY(SELECT known FROM matched
                 WHERE %(full_export)s AND listed IS NULL AND status = %(active)s
                   AND not_seen_since IS NULL
                 ORDER BY known LIMIT %(listed_at_most)s)
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
    # updated_at is the wall clock's even when `now` is given: syncing partners read changes
    # in the order they were written.
    params = {"customer": customer.pk, "now": now, "changed_at": timezone.now(),
              "active": Device.Status.ACTIVE, "lens": Device.Source.LENS,
              "full_export": full_export,
              "listed_at_most": settings.WEBHOOK_DEVICES_PER_EVENT}
    # For this transaction only: the join and the sort of a large file stay in memory, and
    # the statement is not compiled (JIT), which takes longer than it saves here.
    cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute("SET LOCAL jit = off")
    export_date = (None if lens_import is None
                   else check_order(cursor, relation, customer, lens_import))
    if lens_import is not None:
        # May stop here, nothing written, for the uploader to confirm (inventory.lens.review).
        review.check(cursor, relation, customer, lens_import, listed=listed,
                     full_export=full_export)
    cursor.execute("SELECT count(*) FROM inventory_device WHERE customer_id = %s",
                   [customer.pk])
    (devices,) = cursor.fetchone()
    checks = (references_checked_once(cursor)
              if listed - devices >= one_pass_reference_check_from() else nullcontext())
    with checks:
        cursor.execute(APPLY.format(rows=relation), params)
        (new, written_new, created, known, changed, written_known, absent, missed, added_serials,
         reported, reported_serials, missed_serials) = cursor.fetchone()
        # Fewer rows written than the join planned: since the check, a serial of the file
        # went to another customer, or a device that changes here changed hands.
        if written_new != new or written_known != changed:
            raise ImportConflict
    snapshot = record_snapshot(customer, customer.today(now),
                               InventorySnapshot.Source.LENS, lens_import=lens_import)
    if new or reported or missed:
        webhooks.emit_devices_changed(
            customer, "lens_import",
            {"added": added_serials or [], "updated": reported_serials or [],
             "not_seen": missed_serials or []},
            {"added": new, "updated": reported, "not_seen": missed},
            lens_import_id=lens_import.pk if lens_import is not None else None,
            full_export=full_export)
    return ApplyResult(listed=listed, created=created, updated=known + written_new - created,
                       marked_missing=absent if full_export else 0, snapshot=snapshot,
                       export_date=export_date)


def check_order(cursor, relation, customer, lens_import):
    """The date of the export in `relation` (its latest last-seen, None without any), once
    sure that no newer export of the customer was applied; raises OlderExport otherwise.

    An export redelivered late, or uploaded again by mistake, would otherwise bring back
    what a newer one changed (devices it no longer lists active again). The transaction
    holds the customer's lock until it commits: a second import of the customer waits here,
    then sees the first as applied, so two never both pass the check.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_customer_key(customer)])
    cursor.execute(f"SELECT max(last_seen) FROM {relation}")
    (export_date,) = cursor.fetchone()
    newest = newer_applied(customer, lens_import, export_date)
    if newest is not None:
        raise OlderExport(export_date, newest)
    return export_date


def _customer_key(customer):
    # Customer ids repeat from one partner's schema to the next.
    return zlib.crc32(f"lens-apply:{connection.schema_name}:{customer.pk}".encode())


def newer_applied(customer, lens_import, export_date):
    """The newest applied import of the customer that is newer than `lens_import` (whose
    export is dated `export_date`), or None.

    Newer: a later export date or, for the same date, a later upload. When either export
    has no date (no "Last Detected" at all), the upload alone orders them.
    """
    uploaded_later = (Q(created_at__gt=lens_import.created_at)
                      | Q(created_at=lens_import.created_at, pk__gt=lens_import.pk))
    if export_date is None:
        newer = uploaded_later
    else:
        newer = (Q(export_date__gt=export_date)
                 | (Q(export_date=export_date) | Q(export_date__isnull=True)) & uploaded_later)
    return (LensImport.objects.filter(customer=customer, status=LensImport.Status.SUCCEEDED)
            .exclude(pk=lens_import.pk).filter(newer)
            .order_by(F("export_date").desc(nulls_last=True), "-created_at", "-pk").first())


def one_pass_reference_check_from():
    return getattr(settings, "LENS_IMPORT_ONE_PASS_REFERENCE_CHECK_FROM",
                   DEFAULT_ONE_PASS_REFERENCE_CHECK_FROM)


# How long a large import waits for its lock on the customers table before it checks its
# references row by row instead (see references_checked_once).
REFERENCE_LOCK_WAIT = "2s"


@contextmanager
def references_checked_once(cursor):
    """The devices' foreign keys to this partner's own tables (the customer) checked once
    for the whole table at the end of the block, rather than once per new row.

    PostgreSQL checks a foreign key row by row, with a query each: for a hundred thousand
    new devices, more than the insert itself. Dropped and added back in the transaction,
    the constraints are checked by one join, and hold as before at commit. The price: the
    devices and the customers of this partner are locked for the rest of the transaction
    (its pages wait for the import, a second or so for a hundred thousand devices), so it is
    only done for imports that create many devices.

    The key to the product models stays: dropping it would lock the catalogue, in the public
    schema, against every partner's pages until the import commits. The lock is asked for
    with a short wait: behind a long transaction that read the customers, the import checks
    row by row rather than wait and make every later reader of the table queue behind it.
    """
    cursor.execute(
        "SELECT con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
        "JOIN pg_class target ON target.oid = con.confrelid "
        "WHERE con.conrelid = 'inventory_device'::regclass AND con.contype = 'f' "
        "AND target.relnamespace = (SELECT relnamespace FROM pg_class "
        "                           WHERE oid = 'inventory_device'::regclass) "
        "ORDER BY con.conname")
    constraints = cursor.fetchall()
    if not constraints:
        yield
        return
    # Checks still waiting for the commit (devices written earlier in the transaction)
    # would forbid the ALTER TABLE: they are run now, and checks deferred again after.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute("SELECT current_setting('lock_timeout')")
    (lock_timeout,) = cursor.fetchone()
    try:
        with transaction.atomic():
            cursor.execute("SELECT set_config('lock_timeout', %s, true)",
                           [REFERENCE_LOCK_WAIT])
            cursor.execute("ALTER TABLE inventory_device " + ", ".join(
                f'DROP CONSTRAINT "{name}"' for name, _definition in constraints))
    except OperationalError as error:
        if not isinstance(error.__cause__, LockNotAvailable):
            raise
        constraints = []
    finally:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
    yield
    if constraints:
        # The catalogue's key, kept, has checks of the new rows pending: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ALTER TABLE inventory_device " + ", ".join(
            f'ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints))


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


