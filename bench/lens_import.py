"""A Poly Lens import of 100,000 rows against a raw PostgreSQL COPY of the same file.

Needs a database where `manage.py migrate_schemas` has run, reached through the same
variables as the app:

    DATABASE_URL=postgres://… python bench/lens_import.py [--rows 100000] [--keep]

It creates a bench partner (schema `lens_bench`; an earlier one is reused and emptied), a
customer with an active contract, and the demo catalogue if it is missing; generates an
export with inventory.lens.export; then times, each run committed:

- the import as the Celery task does it (inventory.lens.jobs.process_import: read the
  stored file, check it, apply in one transaction; a good file is read and checked by
  PostgreSQL, inventory.lens.bulk) into an empty inventory: every device new;
- the same import again: every device listed and known, none changed;
- the export a month later: every device detected again since, so every one is written;
- a raw COPY of the same file into an unindexed table of text columns (best of three);
- for scale, a COPY of the checked rows into a table indexed like the devices table;

and prints rows per second for each and the ratios to the raw COPY. The bench schema is dropped
at the end unless --keep is given.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SLUG = "lens-bench"
SCHEMA = "lens_bench"
SITE_ID = "BENCH-0001"


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def ensure_catalogue():
    from portal.site.demo import ensure_demo_models

    ensure_demo_models()


def ensure_tenant():
    """The bench partner's schema, empty of devices, and its customer under contract."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from contracts.models import Contract, Customer
    from contracts.services import activate_contract, save_draft_contract
    from inventory.models import Device, InventorySnapshot, LensImport
    from portal.tenants.models import Domain, Partner

    partner = Partner.objects.filter(slug=SLUG).first()
    if partner is None:
        partner = Partner.objects.create(slug=SLUG, schema_name=SCHEMA, name="Lens bench",
                                         status=Partner.Status.ACTIVE)
        Domain.objects.create(domain=f"{SLUG}.localhost", tenant=partner, is_primary=True)
        started = time.perf_counter()
        partner.create_schema(check_if_exists=True, verbosity=0)
        print(f"created schema {SCHEMA} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing schema {SCHEMA}")
    with tenant_context(partner):
        InventorySnapshot.objects.all().delete()
        LensImport.objects.all().delete()
        Device.history.all().delete()
        Device.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE inventory_device")
        customer, _ = Customer.objects.get_or_create(
            site_id=SITE_ID, defaults={"name": "Bench Customer", "time_zone": "Europe/Paris"})
        today = date.today()
        if not Contract.objects.filter(customer=customer, status=Contract.Status.ACTIVE).exists():
            contract = save_draft_contract(
                Contract(customer=customer, start=date(today.year, 1, 1),
                         end=date(today.year, 12, 31)),
                {"headsets": (1, 0, Decimal("20.00")), "voice": (1, 0, Decimal("30.00"))})
            activate_contract(contract, author="bench")
    return partner, customer


@contextmanager
def timed_steps(steps):
    """Times each step of the import as process_import calls it, into `steps`."""
    from inventory.lens import bulk, checking, reading, writing

    originals = {(module, name): getattr(module, name)
                 for module, name in ((bulk, "import_file"), (reading, "read_lens_file"),
                                      (checking, "validate_lens_rows"),
                                      (writing, "apply_lens_rows"))}

    def timed(name, function):
        def step(*args, **kwargs):
            started = time.perf_counter()
            try:
                steps[name] = result = function(*args, **kwargs)
                return result
            finally:
                steps[f"{name} time"] = time.perf_counter() - started
        return step

    for (module, name), function in originals.items():
        setattr(module, name, timed(name, function))
    try:
        yield
    finally:
        for (module, name), function in originals.items():
            setattr(module, name, function)


def timed_import(partner, customer, data, label, rows):
    """The task's work, minus the claim: process_import on a stored file, running."""
    from django.core.files.base import ContentFile
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from inventory.lens import jobs
    from inventory.models import LensImport

    with tenant_context(partner):
        lens_import = jobs.create_import(customer=customer, upload=ContentFile(data),
                                         filename="bench.csv")
        # As the task's claim leaves it.
        LensImport.objects.filter(pk=lens_import.pk).update(
            status=LensImport.Status.RUNNING, started_at=timezone.now())
        lens_import.refresh_from_db()

        steps = {}
        with timed_steps(steps):
            started = time.perf_counter()
            jobs.process_import(lens_import)
            elapsed = time.perf_counter() - started
        lens_import.refresh_from_db()
        if lens_import.status != LensImport.Status.SUCCEEDED:
            raise SystemExit(f"the import failed: {lens_import.errors[:3]}")
        lens_import.file.delete(save=False)
    if steps.get("import_file") is not None:
        how = "read and checked in PostgreSQL"
    else:
        read, check = steps["read_lens_file time"], steps["validate_lens_rows time"]
        how = (f"row by row: read {read:.2f} s, check {check:.2f} s, "
               f"apply {elapsed - read - check:.2f} s")
    print(f"{label:<34} {elapsed:7.2f} s  {rows / elapsed:>9,.0f} rows/s   "
          f"({how}; created {lens_import.devices_created}, "
          f"updated {lens_import.devices_updated})")
    return elapsed


def checked_rows(partner, customer, data):
    """The file's rows as the row-by-row check makes them."""
    from django_tenants.utils import tenant_context

    from inventory.lens import checking, reading

    with tenant_context(partner):
        header, columns, body, _errors = reading.read_lens_file(data)
        rows, _errors = checking.validate_lens_rows(customer, header, columns, body)
    return rows


def a_month_later(data):
    """The same export a month later: every device detected again since."""
    import csv
    import io
    from datetime import datetime, timedelta

    records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    at = records[0].index("Last Detected")
    for cells in records[1:]:
        detected = datetime.strptime(cells[at], "%Y-%m-%d %H:%M") + timedelta(days=30)
        cells[at] = detected.strftime("%Y-%m-%d %H:%M")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue().encode("utf-8")


def timed_indexed_copy(partner, customer, checked):
    """For scale: COPY of the checked rows straight into a table shaped and indexed like the
    devices table (no foreign keys, no conflict handling, no snapshot)."""
    import csv
    import io

    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    now = timezone.now().isoformat()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        (serial, model, customer.pk, site, room, mac, firmware, "active", "lens",
         seen or now, seen or now, now)
        for serial, model, site, room, mac, firmware, seen in checked)
    with tenant_context(partner), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS lens_bench_indexed")
        cursor.execute("CREATE TABLE lens_bench_indexed (LIKE inventory_device INCLUDING ALL)")
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
                       "AND tablename = 'lens_bench_indexed'")
        (indexes,) = cursor.fetchone()
        started = time.perf_counter()
        with cursor.copy("COPY lens_bench_indexed (serial, product_model_id, customer_id, "
                         "site, room, mac_address, firmware_version, status, source, "
                         "first_seen, last_seen, created_at) FROM STDIN "
                         "(FORMAT csv, FORCE_NOT_NULL (site, room, mac_address, "
                         "firmware_version))") as copy:
            copy.write(buffer.getvalue())
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE lens_bench_indexed")
    print(f"{'COPY into an indexed devices table':<34} {elapsed:7.2f} s  "
          f"{len(checked) / elapsed:>9,.0f} rows/s   (for scale: same {indexes} indexes, "
          "no checks)")
    return elapsed


def timed_raw_copy(partner, data, rows):
    from django.db import connection
    from django_tenants.utils import tenant_context

    text = data.decode("utf-8-sig")
    header = text.split("\r\n", 1)[0].split(",")
    columns = ", ".join(f"c{index} text" for index in range(len(header)))
    samples = []
    with tenant_context(partner), connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("DROP TABLE IF EXISTS lens_bench_raw")
            cursor.execute(f"CREATE TABLE lens_bench_raw ({columns})")
            started = time.perf_counter()
            with cursor.copy("COPY lens_bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
                for offset in range(0, len(text), 1 << 20):
                    copy.write(text[offset:offset + (1 << 20)])
            samples.append(time.perf_counter() - started)  # autocommit: committed here
            cursor.execute("SELECT count(*) FROM lens_bench_raw")
            assert cursor.fetchone()[0] == rows
        cursor.execute("DROP TABLE lens_bench_raw")
    elapsed = min(samples)
    print(f"{'raw COPY, unindexed (best of 3)':<34} {elapsed:7.2f} s  "
          f"{rows / elapsed:>9,.0f} rows/s   (runs: "
          f"{', '.join(f'{s:.2f}' for s in samples)} s)")
    return elapsed


def drop_tenant(partner):
    from django.db import connection

    from portal.tenants.models import Domain

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    Domain.objects.filter(tenant=partner).delete()
    type(partner).objects.filter(pk=partner.pk).delete()
    print(f"dropped schema {SCHEMA}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema")
    args = parser.parse_args()

    setup_django()
    from django.db import connection

    from inventory.lens.export import export_bytes

    ensure_catalogue()
    partner, customer = ensure_tenant()
    try:
        started = time.perf_counter()
        data = export_bytes(args.rows, site_id=SITE_ID, seed=args.seed)
        print(f"generated {args.rows:,} rows ({len(data) / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s; PostgreSQL "
              f"{connection.pg_version}")
        first = timed_import(partner, customer, data, "import, all devices new", args.rows)
        again = timed_import(partner, customer, data, "import again, none changed", args.rows)
        later = timed_import(partner, customer, a_month_later(data),
                             "a month later, all changed", args.rows)
        raw = timed_raw_copy(partner, data, args.rows)
        indexed = timed_indexed_copy(partner, customer, checked_rows(partner, customer, data))
        print(f"import / raw COPY: {first / raw:.1f}x (new devices), "
              f"{again / raw:.1f}x (same file again), {later / raw:.1f}x (a month later); "
              f"median {statistics.median([first, again, later]) / raw:.1f}x")
        print(f"COPY into the indexed table / raw COPY: {indexed / raw:.1f}x")
    finally:
        if args.keep:
            print(f"kept schema {SCHEMA}")
        else:
            drop_tenant(partner)


if __name__ == "__main__":
    main()
