"""A worker killed outright (SIGKILL of its main process and its pool child, as a host
crash would) in the middle of a report run, or of a 100,000-row Lens import: beat hands the
task to another worker once the lease has passed, and the job ends once, within the lease
and a sweep. A database connection cut under a report task: tried again, then done.

Real workers (one process each, --concurrency 1), a real beat, a real Redis server, the
test database; tasks slowed or cut at a chosen point by tests/faults/tasks.py."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date

import pytest
from django.db import connection, connections
from django.utils.translation import gettext, override
from django_tenants.utils import tenant_context

from inventory.models import Device, InventorySnapshot, LensImport
from portal.outbox.models import PendingTask
from reporting.models import MonthlyReport, ReportRun
from tests.browser.conftest import database_url
from tests.personas import World

from .conftest import REPO_ROOT, wait_for, worker_command

pytestmark = pytest.mark.fault

LEASE = 4
SWEEP = 1
ROWS = 100_000
# Months no other test commits reports for.
KILLED_MONTH, CUT_MONTH = date(2027, 3, 1), date(2027, 4, 1)
SITE_ID = "KL-0001"


def beta_says(text):
    """Beta's pages are in French."""
    with override("fr"):
        return gettext(text)


class Process:
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
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self):
        return self.log.read_text()[-4000:]


@pytest.fixture
def world(db):
    """The personas, read on a connection of its own. An import creating many devices drops
    and adds back the devices' foreign keys (inventory.lens.writing), which waits for every
    transaction that has read customers or product models: the test's own, open until the
    test ends, must not have read any."""
    return in_own_connection(World.load)


@pytest.fixture
def stack(redis_server, world, tmp_path):
    """Starts workers and beat on demand against the test database; stops them after."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    env = dict(os.environ, REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url,
               CELERY_TASK_ALWAYS_EAGER="0", DB_CONN_MAX_AGE="0", PYTHONUNBUFFERED="1",
               DATABASE_URL=database_url(connection.settings_dict),
               DJANGO_SETTINGS_MODULE="tests.settings",
               MEDIA_ROOT=tempfile.mkdtemp(prefix="portal-fault-media-"),
               OUTBOX_LEASE_SECONDS=str(LEASE), OUTBOX_SWEEP_SECONDS=str(SWEEP),
               REPORT_TASK_RETRY_BACKOFF="1", FAULT_HOOK_DIR=str(hooks), FAULT_SLOW_SECONDS="30")
    started = []

    class Stack:
        def __init__(self):
            self.env, self.hooks, self.log = env, hooks, tmp_path / "stack.log"

        def worker(self):
            started.append(Process(worker_command(), self.env, self.log))
            return started[-1]

        def beat(self):
            started.append(Process(
                [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                 "-s", str(tmp_path / "beat-schedule")], self.env, self.log))
            return started[-1]

        def django(self, code):
            result = subprocess.run([sys.executable, "-c", "import django\ndjango.setup()\n"
                                     + code], cwd=REPO_ROOT, env=self.env,
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr[-3000:]
            return result.stdout.strip().splitlines()[-1]

        def fired(self, hook):
            return (self.hooks / hook).exists()

    yield Stack()
    for process in reversed(started):
        process.stop()
    in_own_connection(lambda: PendingTask.objects.all().delete())


def in_own_connection(work):
    """Runs `work` on a connection of its own, committed (the subprocesses committed what
    they wrote; the test's transaction would not see it removed)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 — handed back to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def in_beta(world, work):
    def run():
        with tenant_context(world.beta):
            return work()
    return in_own_connection(run)


START_RUN = """
from datetime import date
from portal.tenants.schemas import active_partner
from reporting import services
with active_partner("beta"):
    print(services.start_run(date.fromisoformat("{month}"), "Fault test").pk)
"""


def committed_reports(world, month):
    """Removes, after the test, the committed run and reports of Beta's `month`."""
    def leftovers():
        return (MonthlyReport.objects.filter(month=month).exists()
                or ReportRun.objects.filter(month=month).exists())

    assert not in_beta(world, leftovers), "a committed report is left from elsewhere"

    def clean():
        reports = MonthlyReport.objects.filter(month=month)
        pks = list(reports.values_list("pk", flat=True))
        reports.delete()
        MonthlyReport.history.filter(id__in=pks).delete()
        ReportRun.objects.filter(month=month).delete()
    return lambda: in_beta(world, clean)


@pytest.fixture
def killed_month(world):
    clean = committed_reports(world, KILLED_MONTH)
    yield KILLED_MONTH
    clean()


@pytest.fixture
def cut_month(world):
    clean = committed_reports(world, CUT_MONTH)
    yield CUT_MONTH
    clean()


def run_outcome(world, run_pk, month):
    def read():
        run = ReportRun.objects.get(pk=run_pk)
        items = {item.customer_id: (item.status, item.attempts) for item in run.items.all()}
        reports = {customer_id: MonthlyReport.objects.filter(customer_id=customer_id,
                                                             month=month).count()
                   for customer_id in items}
        return run.total, run.done, run.failed, items, reports
    return in_beta(world, read)


def test_a_report_run_whose_worker_is_killed_ends_done_once_within_the_lease(
        world, stack, killed_month):
    stack.env["FAULT_HOOKS"] = "slow-report"
    worker = stack.worker()
    stack.beat()
    run_pk = int(stack.django(START_RUN.format(month=killed_month.isoformat())))
    wait_for(lambda: stack.fired("slow-report"), 60,
             f"no report task started:\n{worker.tail()}")

    # The worker is in the middle of a report, inside its transaction.
    killed_at = time.monotonic()
    worker.kill()
    stack.worker()

    def ended():
        total, done, failed, _items, _reports = run_outcome(world, run_pk, killed_month)
        return done + failed == total

    wait_for(ended, LEASE + 40, f"the run did not end:\n{stack.log.read_text()[-4000:]}")
    recovered = time.monotonic() - killed_at
    total, done, failed, items, reports = run_outcome(world, run_pk, killed_month)
    assert total >= 1 and (done, failed) == (total, 0)
    assert set(reports.values()) == {1}, "one report per customer"
    assert {status for status, _attempts in items.values()} == {"done"}
    # Handed over once the lease had passed, and taken by the new worker at once: the
    # lease, a sweep, the new worker's start and the report itself.
    assert recovered < LEASE + SWEEP + 20, recovered

    page = world["beta_admin"].client().get(f"/reports/runs/{run_pk}/").content.decode()
    print(f"report run: done {recovered:.1f} s after the kill")
    assert beta_says("Finished") in page and beta_says("Running") not in page
    assert "hx-get" not in page


def test_a_database_connection_cut_during_a_report_task_is_retried_then_done(
        world, stack, cut_month):
    stack.env["FAULT_HOOKS"] = "cut-report"
    worker = stack.worker()
    run_pk = int(stack.django(START_RUN.format(month=cut_month.isoformat())))
    wait_for(lambda: stack.fired("cut-report"), 60, f"no report task started:\n{worker.tail()}")

    def cut():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                           "AND query LIKE 'SELECT pg_sleep%%' AND pid <> pg_backend_pid()",
                           [connection.settings_dict["NAME"]])
            pids = [pid for (pid,) in cursor.fetchall()]
            for pid in pids:
                cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
        return pids

    pids = []
    wait_for(lambda: pids.extend(in_own_connection(cut)) or pids, 30,
             "the worker's connection was not found")

    def ended():
        total, done, failed, _items, _reports = run_outcome(world, run_pk, cut_month)
        return done + failed == total

    wait_for(ended, 60, f"the run did not end:\n{worker.tail()}")
    total, done, failed, items, reports = run_outcome(world, run_pk, cut_month)
    assert (done, failed) == (total, 0)
    assert set(reports.values()) == {1}
    # The cut report was tried again, once; the others ran once.
    assert sorted(attempts for _status, attempts in items.values())[-1] == 2
    assert "OperationalError" in worker.tail() or "InterfaceError" in worker.tail()
    assert worker.process.poll() is None


CREATE_IMPORT = """
from django.core.files.base import ContentFile
from contracts.models import Customer
from inventory.lens.export import export_bytes
from inventory.tasks import queue_import
from portal.catalogue.models import ProductModel
from portal.tenants.schemas import active_partner
from portal.users.models import User
with active_partner("beta"):
    customer, _ = Customer.objects.get_or_create(site_id="{site_id}",
                                                 defaults={{"name": "Killed Worker Ltd"}})
    data = export_bytes({rows}, site_id="{site_id}",
                        products=[ProductModel.objects.get(sku="VOY-TEST")])
    lens_import = queue_import(customer=customer, upload=ContentFile(data, name="lens.csv"),
                               full_export=True,
                               uploaded_by=User.objects.get(email="admin@beta.example"))
    print(lens_import.pk)
"""


@pytest.fixture
def import_customer(world):
    yield SITE_ID

    def clean():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM contracts_customer WHERE site_id = %s", [SITE_ID])
            row = cursor.fetchone()
            if row is None:
                return
            # Raw statements: the ORM would load and record each of 100,000 devices.
            for table in ("inventory_historicaldevice", "inventory_device"):
                cursor.execute(f"DELETE FROM {table} WHERE customer_id = %s", row)
        LensImport.objects.filter(customer__site_id=SITE_ID).delete()
        InventorySnapshot.objects.filter(customer__site_id=SITE_ID).delete()
        from contracts.models import Customer
        Customer.objects.filter(site_id=SITE_ID).delete()
    in_beta(world, clean)


def import_page(world, import_pk):
    # Logged in and read on a connection of its own, for the reason in `world`.
    return in_own_connection(lambda: world["beta_admin"].client().get(
        f"/devices/imports/{import_pk}/").content.decode())


def test_a_lens_import_whose_worker_is_killed_is_applied_once_within_the_lease(
        world, stack, import_customer):
    stack.env["FAULT_HOOKS"] = "slow-lens"
    worker = stack.worker()
    stack.beat()
    import_pk = int(stack.django(CREATE_IMPORT.format(site_id=import_customer, rows=ROWS)))
    wait_for(lambda: stack.fired("slow-lens"), 45,
             f"the import did not write its devices:\n{stack.log.read_text()[-4000:]}")

    # Every device is written, not committed: the worker dies inside the transaction.
    killed_at = time.monotonic()
    worker.kill()
    assert beta_says("Running") in import_page(world, import_pk)
    stack.worker()

    def ended():
        return in_beta(world, lambda: LensImport.objects.get(pk=import_pk).status) in (
            LensImport.Status.SUCCEEDED, LensImport.Status.FAILED)

    wait_for(ended, LEASE + 40, f"the import did not end:\n{stack.log.read_text()[-4000:]}")
    recovered = time.monotonic() - killed_at

    def outcome():
        lens_import = LensImport.objects.get(pk=import_pk)
        devices = Device.objects.filter(customer__site_id=import_customer)
        return (lens_import.status, lens_import.devices_created, lens_import.devices_updated,
                devices.count(), devices.values("serial").distinct().count(),
                InventorySnapshot.objects.filter(lens_import=lens_import).count(),
                lens_import.errors)

    status, created, updated, count, serials, snapshots, errors = in_beta(world, outcome)
    page = import_page(world, import_pk)
    print(f"Lens import: {status} {recovered:.1f} s after the kill")
    if status == LensImport.Status.FAILED:
        # Given up: nothing of it applied, and the page says why.
        assert (count, snapshots) == (0, 0)
        assert len(errors) == 1 and beta_says("Retry") in page, errors
    else:
        assert (created, updated, count, serials, snapshots) == (ROWS, 0, ROWS, ROWS, 1)
        assert beta_says("Imported") in page
    # The lease, a sweep, the new worker's start and the whole import again.
    assert recovered < LEASE + SWEEP + 30, recovered
    assert beta_says("Running") not in page and "hx-get" not in page
