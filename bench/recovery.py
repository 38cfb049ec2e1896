"""How long a job takes to be done once its worker is killed outright: a report run and a
100,000-row Poly Lens import, both in the middle of their work when the worker's process
group (main process and pool children) gets SIGKILL, as a host crash would.

Needs a database where `manage.py migrate_schemas` has run and a Redis server that no other
worker of the portal listens to, reached through the same variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/recovery.py [--defaults]
        [--rows 100000] [--customers 40] [--keep]

It creates a bench partner (schema `recovery_bench`; an earlier one is reused) whose
customers each have an active contract, and the demo catalogue if it is missing. Then, for
each pair of outbox settings (OUTBOX_LEASE_SECONDS / OUTBOX_SWEEP_SECONDS), it starts a
real worker (two pool processes) and beat with them, queues the import of an export of
--rows new devices for one customer and, once that runs, a report run of last month for
every customer; kills the worker while both are under way, starts a new one at once, and
prints for each job the time from the kill to its end, and how it ended.

By default only short settings are measured (10 s / 2 s, under a minute); --defaults adds
the settings the portal runs with (300 s / 60 s), about six minutes more: a killed job
waits for its lease to lapse, then for the next sweep. The bench schema is dropped at the
end unless --keep is given.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SLUG = "recovery-bench"
SCHEMA = "recovery_bench"
IMPORT_SITE_ID = "RECOV-IMPORT"
SHORT = (10, 2)
DEFAULTS = (300, 60)
# The import is killed once it has run this long: its file is read and being written.
IMPORT_RUNNING_SECONDS = 1.0


def setup_django():
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEBUG", "0")
    # Tasks go to the broker, for the workers started here.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    import django

    django.setup()


def ensure_tenant(customers):
    """The bench partner, its customers (the first one receives the import), each under an
    active contract since last year."""
    from django_tenants.utils import tenant_context

    from contracts.models import Contract, Customer
    from contracts.services import activate_contract, save_draft_contract
    from portal.site.demo import ensure_demo_models
    from portal.tenants.models import Domain, Partner

    ensure_demo_models()
    partner = Partner.objects.filter(slug=SLUG).first()
    if partner is None:
        partner = Partner.objects.create(slug=SLUG, schema_name=SCHEMA, name="Recovery bench",
                                         status=Partner.Status.ACTIVE)
        Domain.objects.create(domain=f"{SLUG}.localhost", tenant=partner, is_primary=True)
        started = time.perf_counter()
        partner.create_schema(check_if_exists=True, verbosity=0)
        print(f"created schema {SCHEMA} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing schema {SCHEMA}")
    today = date.today()
    with tenant_context(partner):
        site_ids = [IMPORT_SITE_ID] + [f"RECOV-{number:04d}" for number in range(1, customers)]
        for site_id in site_ids:
            customer, _ = Customer.objects.get_or_create(
                site_id=site_id, defaults={"name": f"Bench {site_id}",
                                           "time_zone": "Europe/Paris"})
            if not Contract.objects.filter(customer=customer,
                                           status=Contract.Status.ACTIVE).exists():
                contract = save_draft_contract(
                    Contract(customer=customer, start=date(today.year - 1, 1, 1),
                             end=date(today.year, 12, 31)),
                    {"headsets": (10, 0, Decimal("20.00")), "voice": (5, 0, Decimal("30.00"))})
                activate_contract(contract, author="bench")
    return partner


def last_month():
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


def clear_jobs(partner):
    """No device of the import's customer, no import, report or run of last month: each
    round creates every device and computes every report again."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from contracts.models import Customer
    from inventory.models import InventorySnapshot, LensImport
    from reporting.models import MonthlyReport, ReportRun

    with tenant_context(partner):
        customer = Customer.objects.get(site_id=IMPORT_SITE_ID)
        with connection.cursor() as cursor:
            # Raw statements: the ORM would load and record each device.
            for table in ("inventory_historicaldevice", "inventory_device"):
                cursor.execute(f"DELETE FROM {table} WHERE customer_id = %s", [customer.pk])
        InventorySnapshot.objects.filter(customer=customer).delete()
        LensImport.objects.filter(customer=customer).delete()
        reports = MonthlyReport.objects.filter(month=last_month())
        MonthlyReport.history.filter(
            id__in=list(reports.values_list("pk", flat=True))).delete()
        reports.delete()
        ReportRun.objects.filter(month=last_month()).delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE inventory_device")
    return customer


class Group:
    """A worker or beat in a process group of its own, so that a kill takes all of it."""

    def __init__(self, command, env, log):
        self.log = log
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env,
                                        stdout=log.open("a"), stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"{what} within {timeout} s")


def one_round(partner, customer, data, lease, sweep, directory):
    """Kills a worker in the middle of both jobs; answers {job: (seconds, outcome)}."""
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django_tenants.utils import tenant_context

    from inventory.models import LensImport
    from inventory.tasks import queue_import
    from portal.stack import WORKER_OPTIONS
    from reporting import services
    from reporting.models import ReportRun

    # The leases this process gives the tasks it queues, as the portal's processes would.
    settings.OUTBOX_LEASE_SECONDS, settings.OUTBOX_SWEEP_SECONDS = lease, sweep
    env = dict(os.environ, OUTBOX_LEASE_SECONDS=str(lease), OUTBOX_SWEEP_SECONDS=str(sweep),
               PYTHONUNBUFFERED="1")
    log = directory / f"stack-{lease}.log"
    worker_command = [sys.executable, "-m", "celery", "-A", "portal", "worker",
                      "--concurrency", "2", "-l", "info", *WORKER_OPTIONS]
    started = []

    def start_worker():
        ready = log.read_text().count(" ready.") if log.exists() else 0
        started.append(Group(worker_command, env, log))
        wait_until(lambda: log.read_text().count(" ready.") > ready, 60,
                   "the worker did not start")
        return started[-1]

    try:
        worker = start_worker()
        started.append(Group([sys.executable, "-m", "celery", "-A", "portal", "beat",
                              "-l", "info", "-s", str(directory / f"beat-{lease}")], env, log))
        with tenant_context(partner):
            lens_import = queue_import(customer=customer,
                                       upload=ContentFile(data, name="lens-export.csv"),
                                       full_export=True)

            def import_status():
                return LensImport.objects.filter(pk=lens_import.pk).values_list(
                    "status", flat=True).get()

            wait_until(lambda: import_status() == LensImport.Status.RUNNING, 60,
                       "the import did not start")
            running_since = time.monotonic()
            run = services.start_run(last_month(), "Recovery bench")

            def run_counts():
                return ReportRun.objects.filter(pk=run.pk).values_list(
                    "done", "failed", "total").get()

            time.sleep(max(0.0, IMPORT_RUNNING_SECONDS - (time.monotonic() - running_since)))
            done, failed, total = run_counts()
            status = import_status()
            if status != LensImport.Status.RUNNING or done + failed == total:
                raise SystemExit("a job ended before the kill: give the bench more "
                                 "--rows or --customers")
            killed_at = time.monotonic()
            worker.kill()
            start_worker()

            ended = {}

            def both_ended():
                now = time.monotonic() - killed_at
                if "import" not in ended:
                    current = LensImport.objects.get(pk=lens_import.pk)
                    if current.status in (LensImport.Status.SUCCEEDED,
                                          LensImport.Status.FAILED):
                        ended["import"] = (now, f"{current.get_status_display().lower()}, "
                                                f"{current.devices_created:,} devices added")
                if "run" not in ended:
                    run_done, run_failed, run_total = run_counts()
                    if run_done + run_failed == run_total:
                        ended["run"] = (now, f"{run_done} of {run_total} done, "
                                             f"{run_failed} failed")
                return len(ended) == 2

            wait_until(both_ended, lease + sweep + 180,
                       f"the jobs did not end:\n{log.read_text()[-3000:]}")
        ended["killed"] = (0.0, f"import running {killed_at - running_since:.1f} s, "
                                f"{done} of {total} reports done")
        return ended
    finally:
        for group in reversed(started):
            group.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--defaults", action="store_true",
                        help="also measure with the portal's own lease and sweep (~6 min)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the bench schema")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from inventory.lens.export import export_bytes
    from portal.catalogue.models import ProductModel

    partner = ensure_tenant(args.customers)
    rounds = [SHORT] + ([(settings.OUTBOX_LEASE_SECONDS, settings.OUTBOX_SWEEP_SECONDS)]
                        if args.defaults else [])
    if args.defaults and rounds[-1] != DEFAULTS:
        print(f"note: this environment sets the lease and sweep to {rounds[-1][0]} s / "
              f"{rounds[-1][1]} s")
    with tenant_context(partner):
        started = time.perf_counter()
        data = export_bytes(args.rows, site_id=IMPORT_SITE_ID,
                            products=list(ProductModel.objects.all()))
        print(f"generated {args.rows:,} rows ({len(data) / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s")
    try:
        with tempfile.TemporaryDirectory(prefix="recovery-bench-") as directory:
            for lease, sweep in rounds:
                customer = clear_jobs(partner)
                ended = one_round(partner, customer, data, lease, sweep, Path(directory))
                print(f"lease {lease} s, sweep {sweep} s (a killed job is handed over "
                      f"within {lease + sweep} s, then runs again)")
                print(f"  {'worker killed':<32} {ended['killed'][1]}")
                for job, label in (("import", f"Lens import of {args.rows:,} rows"),
                                   ("run", f"report run of {args.customers} customers")):
                    seconds, outcome = ended[job]
                    print(f"  {label:<32} {seconds:7.1f} s after the kill  ({outcome})")
    finally:
        clear_jobs(partner)
        if not args.keep:
            drop_tenant(partner)
        else:
            print(f"kept schema {SCHEMA}")


def drop_tenant(partner):
    from django.db import connection

    from portal.tenants.models import Domain

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    Domain.objects.filter(tenant=partner).delete()
    type(partner).objects.filter(pk=partner.pk).delete()
    print(f"dropped schema {SCHEMA}")


if __name__ == "__main__":
    main()
