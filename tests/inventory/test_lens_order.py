"""Lens imports apply in order: never an export older than the newest one already applied
for the customer (by the export's date, its latest "Last Detected", then by upload)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from inventory.lens import jobs, writing
from inventory.models import Device, InventorySnapshot, LensImport
from inventory.tasks import run_lens_import

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage


@pytest.fixture(autouse=True)
def without_review(settings):
    """These files list a handful of devices, so any one dropped is more than the share that
    stops a full export at a preview (tested in test_lens_review.py)."""
    settings.LENS_IMPORT_REVIEW_SHARE = Decimal("1000")


HEADER = "Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,Last Detected"
# The database path takes a clean file; a value to trim sends it row by row.
PATHS = {"database": "Paris", "row by row": " Paris"}


def export(day, *serials, site="Paris", product="HS-1"):
    """A full export listing `serials`, last detected on June `day` (no dates when None)."""
    detected = "" if day is None else f"2026-06-0{day} 14:02"
    rows = [f"Desk,{product},{serial},2.0,{site},Room,,{detected}" for serial in serials]
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode()


def upload(world, data, name, site_id="AL-0001"):
    with tenant_context(world.alpha):
        return jobs.create_import(customer=world.customer(world.alpha, site_id),
                                  upload=_file(data), filename=name)


def _file(data):
    from django.core.files.base import ContentFile
    return ContentFile(data)


def apply(world, lens_import):
    with tenant_context(world.alpha):
        run_lens_import.delay(lens_import.pk).get()
        lens_import.refresh_from_db()
    return lens_import


def state(world):
    with tenant_context(world.alpha):
        return sorted(Device.objects.values_list("serial", "site", "last_seen",
                                                 "not_seen_since"))


@pytest.mark.parametrize("path", PATHS)
def test_an_older_export_after_a_newer_one_is_refused_and_nothing_changes(
        world, catalogue, path):
    site = PATHS[path]
    newer = apply(world, upload(world, export(2, "HS100001", "HS100002"), "june-2.csv"))
    assert newer.status == LensImport.Status.SUCCEEDED
    before = state(world)
    # Older by its date, uploaded after: it lists a device the newer one dropped, and
    # would move the others.
    older = apply(world, upload(world, export(1, "HS100001", "HS100003", site=site + " 2"),
                                "june-1.csv"))
    assert older.status == LensImport.Status.FAILED
    assert state(world) == before
    with tenant_context(world.alpha):
        assert InventorySnapshot.objects.filter(lens_import=older).count() == 0
    [error] = older.errors
    assert error["line"] is None
    assert "1 June 2026" in error["message"] and "2 June 2026" in error["message"]
    assert "june-2.csv" in error["message"]
    assert older.export_date.date().isoformat() == "2026-06-01"
    assert newer.export_date.date().isoformat() == "2026-06-02"


def test_a_redelivered_import_is_refused_after_a_newer_one_applied(world, catalogue):
    """The import queued first, whose task comes back late (a lost worker), after the
    newer export uploaded since was applied."""
    late = upload(world, export(1, "HS100001", "HS100003"), "june-1.csv")
    newer = apply(world, upload(world, export(2, "HS100001", "HS100002"), "june-2.csv"))
    assert newer.status == LensImport.Status.SUCCEEDED
    before = state(world)
    late = apply(world, late)
    assert late.status == LensImport.Status.FAILED
    assert state(world) == before
    with tenant_context(world.alpha):
        assert not Device.objects.get(serial="HS100002").not_seen_since


def test_the_same_export_date_uploaded_later_applies(world, catalogue):
    first = apply(world, upload(world, export(2, "HS100001"), "a.csv"))
    second = apply(world, upload(world, export(2, "HS100001", site="Lyon"), "b.csv"))
    assert (first.status, second.status) == (LensImport.Status.SUCCEEDED,) * 2
    with tenant_context(world.alpha):
        assert Device.objects.get(serial="HS100001").site == "Lyon"


def test_a_newer_export_after_an_older_one_applies(world, catalogue):
    apply(world, upload(world, export(1, "HS100001"), "a.csv"))
    newer = apply(world, upload(world, export(2, "HS100001", site="Lyon"), "b.csv"))
    assert newer.status == LensImport.Status.SUCCEEDED


def test_another_customers_newer_export_does_not_matter(world, catalogue):
    apply(world, upload(world, export(2, "HS200001"), "two.csv", site_id="AL-0002"))
    older = apply(world, upload(world, export(1, "HS100001"), "one.csv"))
    assert older.status == LensImport.Status.SUCCEEDED


def test_files_without_dates_apply_in_the_order_they_were_uploaded(world, catalogue):
    """Without a single date, a file is only as new as its upload."""
    early = upload(world, export(None, "HS100001", site="Early"), "early.csv")
    later = apply(world, upload(world, export(None, "HS100001", site="Later"), "later.csv"))
    assert later.status == LensImport.Status.SUCCEEDED and later.export_date is None
    early = apply(world, early)
    assert early.status == LensImport.Status.FAILED
    assert "later.csv" in early.errors[0]["message"]
    with tenant_context(world.alpha):
        assert Device.objects.get(serial="HS100001").site == "Later"
        # Uploaded after a dated export: the upload decides, and it is newer.
        dated = apply(world, upload(world, export(2, "HS100001", site="Dated"), "d.csv"))
        undated = apply(world, upload(world, export(None, "HS100001", site="U"), "u.csv"))
    assert (dated.status, undated.status) == (LensImport.Status.SUCCEEDED,) * 2


def test_the_refusal_is_in_the_uploaders_language(world, catalogue):
    from django.utils import translation

    apply(world, upload(world, export(2, "HS100001"), "june-2.csv"))
    older = upload(world, export(1, "HS100001"), "june-1.csv")
    with translation.override("fr"), tenant_context(world.alpha):
        jobs._update(older, status=LensImport.Status.RUNNING)
        jobs.process_import(older)
        older.refresh_from_db()
    assert "1 juin 2026" in older.errors[0]["message"]
    assert "2 juin 2026" in older.errors[0]["message"]


def _in_thread(target):
    """Runs `target` in a thread of its own: its own database connection, which commits."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _waiting_on_a_lock(timeout=10.0):
    """Waits until a backend waits for a lock; whether one did."""
    import time

    deadline = time.monotonic() + timeout

    def waiting():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity "
                           "WHERE wait_event_type = 'Lock' AND datname = current_database()")
            return cursor.fetchone()[0] > 0
    while time.monotonic() < deadline:
        thread, outcome = _in_thread(waiting)
        thread.join()
        if outcome.get("value"):
            return True
        time.sleep(0.05)
    return False


def test_two_imports_applying_at_once_never_both_pass_the_check(world, monkeypatch):
    """Two real connections: the newer export holds its transaction open after its check;
    the older one, uploaded after, must wait, then see it applied and be refused (rather
    than pass the check before the newer commits, and apply after it)."""
    customer_id = world.customer(world.alpha, "AL-0002").pk
    newer_checked, release_newer = threading.Event(), threading.Event()
    record_snapshot = writing.record_snapshot

    def pausing_snapshot(customer, *args, lens_import=None, **kwargs):
        if lens_import is not None and lens_import.original_filename == "june-2.csv":
            newer_checked.set()
            assert release_newer.wait(30)
        return record_snapshot(customer, *args, lens_import=lens_import, **kwargs)
    monkeypatch.setattr(writing, "record_snapshot", pausing_snapshot)

    def import_file(data, name):
        with tenant_context(world.alpha):
            customer = world.customer(world.alpha, "AL-0002")
            return jobs.import_now(customer, data, filename=name)

    try:
        newer_thread, newer = _in_thread(lambda: import_file(
            export(2, "VOY100001", "VOY100002", product="VOY-TEST"), "june-2.csv"))
        assert newer_checked.wait(30)
        older_thread, older = _in_thread(lambda: import_file(
            export(1, "VOY100001", "VOY100003", site="Old", product="VOY-TEST"),
            "june-1.csv"))
        assert _waiting_on_a_lock()
        release_newer.set()
        newer_thread.join(30)
        older_thread.join(30)
        assert "error" not in newer and "error" not in older, (newer, older)
        assert newer["value"].status == LensImport.Status.SUCCEEDED
        assert older["value"].status == LensImport.Status.FAILED
        assert "2 June 2026" in older["value"].errors[0]["message"]

        def devices():
            with tenant_context(world.alpha):
                return sorted(Device.objects.filter(customer_id=customer_id)
                              .values_list("serial", "site"))
        thread, found = _in_thread(devices)
        thread.join()
        assert found["value"] == [("VOY100001", "Paris"), ("VOY100002", "Paris")]
    finally:
        release_newer.set()

        def clean():
            with tenant_context(world.alpha):
                LensImport.objects.filter(customer_id=customer_id).update(snapshot=None)
                InventorySnapshot.objects.filter(customer_id=customer_id).delete()
                LensImport.objects.filter(customer_id=customer_id).delete()
                Device.objects.filter(customer_id=customer_id).delete()
        thread, _outcome = _in_thread(clean)
        thread.join()


def test_the_refusal_shows_on_the_import_page_and_in_the_api(
        world, catalogue, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.conftest import ApiClient, make_token

    def post(data, name):
        client = world["alpha_agent"].client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/devices/imports/new/", {
                "customer": world.customer(world.alpha, "AL-0001").pk,
                "file": SimpleUploadedFile(name, data, content_type="text/csv")})
        return client.get(response["Location"]).content.decode()

    post(export(2, "HS100001"), "june-2.csv")
    body = post(export(1, "HS100001", site="Old"), "june-1.csv")
    assert "This export is older than one already imported" in body
    assert "1 June 2026" in body and "2 June 2026" in body
    with tenant_context(world.alpha):
        refused = LensImport.objects.get(original_filename="june-1.csv")
    agent = world["alpha_agent"]
    data = ApiClient(agent.host, make_token(agent)).get(f"/api/v1/lens-imports/{refused.pk}").json()
    assert data["status"] == "failed"
    [error] = data["errors"]
    assert "1 June 2026" in error["message"] and "2 June 2026" in error["message"]
