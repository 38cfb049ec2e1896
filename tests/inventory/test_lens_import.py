"""The Poly Lens import: reading, checking every row, applying all or nothing, snapshots."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from inventory.lens import checking, jobs, reading, writing
from inventory.lens.export import lens_export_csv
from inventory.models import Device, InventorySnapshot, LensImport
from inventory.tasks import run_lens_import
from tests.factories import DeviceFactory

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=PARIS)
HEADER = "Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,Last Detected"


def check(world, text, site_id="AL-0001", tenant=None):
    """(rows, errors) as the import sees the file."""
    tenant = tenant or world.alpha
    data = text if isinstance(text, bytes) else text.encode()
    with tenant_context(tenant):
        customer = world.customer(tenant, site_id)
        header, columns, body, errors = reading.read_lens_file(data)
        if errors:
            return [], errors
        return checking.validate_lens_rows(customer, header, columns, body)


def run(world, text, site_id="AL-0001", *, full_export=True, tenant=None):
    """The import applied at NOW, or AssertionError with the errors."""
    rows, errors = check(world, text, site_id, tenant)
    assert errors == [], errors
    tenant = tenant or world.alpha
    with tenant_context(tenant):
        return writing.apply_lens_rows(world.customer(tenant, site_id), rows,
                                    full_export=full_export, now=NOW)


def lines(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


def errors_of(errors):
    return [(error.line, error.column) for error in errors]


def devices(world, tenant=None):
    with tenant_context(tenant or world.alpha):
        return {device.serial: device for device in Device.objects.select_related(
            "customer", "product_model")}


def test_a_good_export_creates_the_devices(world, catalogue):
    result = run(world, lines(
        "Desk 1,hs-1,hs100001,2.0,Paris HQ,4.12,00-04-f2-aa-bb-cc,2026-05-31 14:02",
        "Room 2,Poly Vid-1,VID100002,1.9,Paris HQ,Boardroom,6416.7f01.0203,31/05/2026 09:30",
        "Phone,PH-1,PH100003,,,,,"))
    assert (result.created, result.updated, result.marked_missing) == (3, 0, 0)
    found = devices(world)
    headset, video, phone = found["HS100001"], found["VID100002"], found["PH100003"]
    assert headset.product_model == catalogue["headset"]
    assert video.product_model == catalogue["video"]  # matched by name, "Poly" or not
    assert (headset.site, headset.room, headset.firmware_version, headset.mac_address) == (
        "Paris HQ", "4.12", "2.0", "00:04:F2:AA:BB:CC")
    assert video.mac_address == "64:16:7F:01:02:03"
    assert headset.last_seen == datetime(2026, 5, 31, 14, 2, tzinfo=PARIS)
    assert video.last_seen == datetime(2026, 5, 31, 9, 30, tzinfo=PARIS)
    assert phone.last_seen == NOW  # not detected: seen by this import
    assert all(d.source == Device.Source.LENS and d.first_seen and d.not_seen_since is None
               and d.customer.site_id == "AL-0001" for d in found.values())


def test_a_second_import_updates_and_never_duplicates(world, catalogue):
    with tenant_context(world.alpha):
        registered = DeviceFactory(
            serial="HS100001", product_model=catalogue["headset"], site="Old site",
            room="R1", customer=world.customer(world.alpha, "AL-0001"))
    result = run(world, lines("x,HS-1,HS100001,2.1,,Room 9,,2026-05-30 08:00",
                              "y,HS-1,HS100002,2.0,Lyon,,,"))
    assert (result.created, result.updated) == (1, 1)
    device = devices(world)["HS100001"]
    assert device.pk == registered.pk
    assert device.source == Device.Source.REGISTERED  # it keeps where it came from
    assert (device.site, device.room, device.firmware_version) == ("Old site", "Room 9", "2.1")
    assert len(devices(world)) == 2


def test_the_same_file_again_counts_every_device_as_updated(world, catalogue):
    text = lines("x,HS-1,HS100001,2.1,Lyon,Room 9,,2026-05-30 08:00", "y,VID-1,VID100002,,,,,")
    fields = ["pk", "product_model_id", "site", "room", "mac_address", "firmware_version",
              "status", "source", "first_seen", "last_seen", "not_seen_since"]
    run(world, text)
    before = {serial: [getattr(device, name) for name in fields]
              for serial, device in devices(world).items()}
    result = run(world, text)
    assert (result.created, result.updated, result.marked_missing) == (0, 2, 0)
    assert {serial: [getattr(device, name) for name in fields]
            for serial, device in devices(world).items()} == before


def test_a_serial_taken_by_another_customer_after_the_check_stops_the_import(
        world, catalogue):
    rows, errors = check(world, lines("a,HS-1,HS100001,,,,,", "b,HS-1,HS100002,,,,,"))
    assert errors == []
    with tenant_context(world.alpha):
        DeviceFactory(serial="HS100002", product_model=catalogue["headset"],
                      customer=world.customer(world.alpha, "AL-0002"))
        with pytest.raises(writing.ImportConflict):
            writing.apply_lens_rows(world.customer(world.alpha, "AL-0001"), rows,
                                 full_export=True, now=NOW)
    assert set(devices(world)) == {"HS100002"}


def test_a_device_given_to_another_customer_after_the_check_stops_the_import(
        world, catalogue):
    run(world, lines("a,HS-1,HS100001,2.0,,,,", "b,HS-1,HS100002,2.0,,,,"))
    rows, errors = check(world, lines("a,HS-1,HS100001,2.1,,,,", "b,HS-1,HS100002,2.1,,,,"))
    assert errors == []
    with tenant_context(world.alpha):
        Device.objects.filter(serial="HS100002").update(
            customer=world.customer(world.alpha, "AL-0002"))
        with pytest.raises(writing.ImportConflict):
            writing.apply_lens_rows(world.customer(world.alpha, "AL-0001"), rows,
                                 full_export=True, now=NOW)
    assert {device.firmware_version for device in devices(world).values()} == {"2.0"}


def test_a_device_registered_by_the_customer_after_the_check_is_updated(world, catalogue):
    rows, errors = check(world, lines("a,HS-1,HS100001,2.1,,,,", "b,HS-1,HS100002,,,,,"))
    assert errors == []
    with tenant_context(world.alpha):
        DeviceFactory(serial="HS100002", product_model=catalogue["headset"],
                      customer=world.customer(world.alpha, "AL-0001"))
        result = writing.apply_lens_rows(world.customer(world.alpha, "AL-0001"), rows,
                                      full_export=True, now=NOW)
    assert (result.created, result.updated) == (1, 1)
    assert devices(world)["HS100002"].source == Device.Source.REGISTERED


def test_an_empty_file(world, catalogue):
    rows, errors = check(world, b"")
    assert errors_of(errors) == [(None, "")] and "empty" in errors[0].message


def test_a_header_only_file(world, catalogue):
    rows, errors = check(world, HEADER + "\n\n,,,,\n")
    assert errors_of(errors) == [(None, "")]
    assert "no device rows" in errors[0].message


def test_missing_required_columns_are_named(world, catalogue):
    rows, errors = check(world, "Device Name,Site\nx,Paris\n")
    assert errors_of(errors) == [(1, "Serial number"), (1, "Product model")]
    assert "The file has no “Serial number” column" in errors[0].message
    assert "“Numéro de série”" in errors[0].message  # one of its names


def test_a_column_twice_is_refused(world, catalogue):
    rows, errors = check(world, "Serial Number,serial_number,Product\nA,B,C\n")
    assert errors_of(errors) == [(1, "serial_number")]


def test_every_bad_row_is_listed_and_never_coerced(world, catalogue):
    rows, errors = check(world, lines(
        "a,NOPE-9,HS100001,,,,,",
        "b,HS-1,hs_1,,,,,",
        "c,HS-1,HS100003,,,,00:04:F2:AA:BB,",
        "d,HS-1,HS100004,,,,,31/02/2026 10:00",
        "e,HS-1,HS100005,,,,,01-01-1970",
        "f,,,,,,,",
        "g,HS-1,HS100007,,,,,,unexpected"))
    assert rows == []
    assert errors_of(errors) == [
        (2, "Product"), (3, "Serial Number"), (4, "MAC Address"), (5, "Last Detected"),
        (6, "Last Detected"), (7, "Product"), (7, "Serial Number"), (8, "")]
    messages = [error.message for error in errors]
    assert "Unknown product model “NOPE-9”." == messages[0]
    assert "not a valid serial number" in messages[1]
    assert "is not a MAC address" in messages[2]
    assert "31/02/2026 10:00" in messages[3] and "01-01-1970" in messages[4]


def test_a_serial_twice_in_the_file(world, catalogue):
    rows, errors = check(world, lines("a,HS-1,HS100001,,,,,", "b,HS-1,HS100002,,,,,",
                                      "c,HS-1,hs100001,,,,,"))
    assert errors_of(errors) == [(4, "Serial Number")]
    assert "already appears on line 2" in errors[0].message


def test_a_serial_of_another_customer_is_refused_without_naming_it(world, catalogue):
    run(world, lines("a,HS-1,HS100001,,,,,"), site_id="AL-0002")
    rows, errors = check(world, lines("a,HS-1,HS100001,,,,,", "b,HS-1,HS100002,,,,,"))
    assert errors_of(errors) == [(2, "Serial Number")]
    assert "another customer" in errors[0].message
    assert "AL-0002" not in errors[0].message and "Two" not in errors[0].message


def test_the_same_serial_at_another_partner_is_no_conflict(world, catalogue):
    run(world, lines("a,HS-1,HS100001,,,,,"))
    run(world, lines("a,HS-1,HS100001,,,,,"), site_id="BE-0001", tenant=world.beta)
    assert devices(world, world.beta)["HS100001"].customer.site_id == "BE-0001"


def test_quote_only_and_end_of_life_models_come_in_from_lens(world, catalogue):
    result = run(world, lines("a,ITP-1,ITP100001,,,,,", "b,OLD-1,OLD100001,,,,,"))
    assert result.created == 2


def test_a_utf16_file_is_refused(world, catalogue):
    rows, errors = check(world, lines("a,HS-1,HS100001,,,,,").encode("utf-16"))
    assert errors_of(errors) == [(None, "")]
    assert "could not be read as text" in errors[0].message
    rows, errors = check(world, lines("a,HS-1,HS100001,,,,,").encode("utf-16-le"))
    assert errors_of(errors) == [(None, "")]


def test_a_french_export_with_a_bom_semicolons_and_day_first_dates(world, catalogue):
    text = ("\ufeffNuméro de série;Modèle;Version logicielle;Site;Salle;Adresse MAC;"
            "Dernière détection;État\r\n"
            "HS200001;Poly Hs-1;2.0;Siège;Salle « Lumière »;00:04:F2:01:02:03;"
            "31/12/2025 23:30;En ligne\r\n")
    run(world, text.encode("utf-8"))
    device = devices(world)["HS200001"]
    assert device.room == "Salle « Lumière »"
    assert device.last_seen == datetime(2025, 12, 31, 23, 30, tzinfo=PARIS)


def test_a_windows_1252_export(world, catalogue):
    text = ("Numéro de série;Modèle;Salle\r\nHS200002;HS-1;Réunion 2\r\n")
    run(world, text.encode("cp1252"))
    assert devices(world)["HS200002"].room == "Réunion 2"


def test_times_are_read_in_the_customers_time_zone(world, catalogue):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        customer.time_zone = "America/New_York"
        customer.save()
    run(world, lines("a,HS-1,HS100001,,,,,2026-05-31 14:02",
                     "b,HS-1,HS100002,,,,,2026-05-31T14:02:00+00:00"))
    found = devices(world)
    assert found["HS100001"].last_seen == datetime(2026, 5, 31, 14, 2,
                                                   tzinfo=ZoneInfo("America/New_York"))
    assert found["HS100002"].last_seen == datetime(2026, 5, 31, 14, 2, tzinfo=ZoneInfo("UTC"))


@pytest.mark.storage
def test_one_bad_row_among_10000_nothing_changes_and_the_error_is_stored(world, catalogue):
    products = [catalogue["headset"], catalogue["video"], catalogue["phone"]]
    records = lens_export_csv(10_000, site_id="AL-0001", seed=7, products=products,
                              as_of=NOW.date()).split("\r\n")
    cells = records[6001].split(",")  # line 6002 of the file
    cells[1] = "NOT-A-MODEL"
    records[6001] = ",".join(cells)
    text = "\r\n".join(records)
    with tenant_context(world.alpha):
        before = Device.objects.count()
        customer = world.customer(world.alpha, "AL-0001")
        lens_import = jobs.import_now(customer, text.encode())
        assert Device.objects.count() == before
        assert not InventorySnapshot.objects.filter(customer=customer).exists()
    assert lens_import.status == LensImport.Status.FAILED
    assert lens_import.total_rows == lens_import.processed_rows == 10_000
    assert lens_import.error_count == 1
    assert lens_import.errors == [{"line": 6002, "column": "Product",
                                   "message": "Unknown product model “NOT-A-MODEL”."}]


def test_the_generated_export_imports_cleanly(world, catalogue):
    products = list(catalogue.values())
    text = lens_export_csv(500, site_id="AL-0001", seed=3, products=products,
                           as_of=NOW.date(), french=True)
    result = run(world, text.encode("utf-8-sig"))
    assert result.created == 500
    assert lens_export_csv(20, site_id="AL-0001", seed=3, products=products,
                           as_of=NOW.date()) == lens_export_csv(
        20, site_id="AL-0001", seed=3, products=products, as_of=NOW.date())


def test_devices_missing_from_a_full_export_are_marked_not_deleted(world, catalogue):
    run(world, lines("a,HS-1,HS100001,,,,,", "b,HS-1,HS100002,,,,,", "c,HS-1,HS100003,,,,,"))
    run(world, lines("b,HS-1,HS900002,,,,,"), site_id="AL-0002")  # another customer's
    result = run(world, lines("a,HS-1,HS100001,,,,,"))
    assert result.marked_missing == 2
    found = devices(world)
    assert found["HS100001"].not_seen_since is None
    assert found["HS100002"].not_seen_since == NOW
    assert found["HS100003"].not_seen_since == NOW
    assert found["HS900002"].not_seen_since is None
    # A partial export leaves the others alone; a device seen again is no longer missing.
    result = run(world, lines("c,HS-1,HS100003,,,,,"), full_export=False)
    assert result.marked_missing == 0
    found = devices(world)
    assert found["HS100003"].not_seen_since is None
    assert found["HS100002"].not_seen_since == NOW
    assert found["HS100001"].not_seen_since is None


def test_the_snapshot_counts_covered_and_uncovered_devices_per_category(
        world, catalogue, alpha_contract):
    with tenant_context(world.alpha):
        DeviceFactory(serial="RETIRED01", product_model=catalogue["headset"],
                      customer=world.customer(world.alpha, "AL-0001"),
                      status=Device.Status.RETIRED)
    result = run(world, lines(
        "a,HS-1,HS100001,,,,,", "a,HS-1,HS100002,,,,,", "a,HS-1,HS100003,,,,,",
        "b,VID-1,VID100001,,,,,", "b,VID-1,VID100002,,,,,",
        "c,PH-1,PH100001,,,,,",     # voice: not in the contract
        "d,ITP-1,ITP100001,,,,,",   # video, quote-only
        "e,OLD-1,OLD100001,,,,,",   # headsets, end of life
    ))
    with tenant_context(world.alpha):
        snapshot = InventorySnapshot.objects.get(pk=result.snapshot.pk)
        counts = {c.category: (c.covered, c.uncovered) for c in snapshot.counts.all()}
    assert snapshot.taken_on == NOW.date()
    assert snapshot.source == InventorySnapshot.Source.LENS
    assert counts == {"headsets": (3, 1), "video": (2, 1), "voice": (0, 1)}
    # Devices no longer in a full export are not counted.
    result = run(world, lines("a,HS-1,HS100001,,,,,"))
    with tenant_context(world.alpha):
        counts = {c.category: (c.covered, c.uncovered) for c in result.snapshot.counts.all()}
    assert counts == {"headsets": (1, 0), "video": (0, 0), "voice": (0, 0)}


def test_the_snapshot_agrees_with_the_coverage_filter(world, catalogue, alpha_contract):
    from inventory.coverage import covered_q

    products = list(catalogue.values())
    text = lens_export_csv(300, site_id="AL-0001", seed=5, products=products,
                           as_of=NOW.date())
    result = run(world, text)
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        for count in result.snapshot.counts.all():
            in_category = Device.objects.filter(customer=customer,
                                                product_model__category=count.category)
            assert count.covered == in_category.filter(covered_q(NOW.date())).count()
            assert count.uncovered == in_category.exclude(covered_q(NOW.date())).count()


def queued_import(world, text, site_id="AL-0001"):
    with tenant_context(world.alpha):
        return jobs.create_import(customer=world.customer(world.alpha, site_id),
                                  upload=ContentFile(text.encode()), filename="lens.csv")


@pytest.mark.storage
def test_a_good_file_is_applied_once_even_if_the_task_is_delivered_twice(world, catalogue):
    lens_import = queued_import(world, lines("a,HS-1,HS100001,,,,,", "b,HS-1,HS100002,,,,,"))
    with tenant_context(world.alpha):
        first = run_lens_import.delay(lens_import.pk).get()
    with tenant_context(world.alpha):
        second = run_lens_import.delay(lens_import.pk).get()
        lens_import.refresh_from_db()
        assert Device.objects.count() == 2
        assert InventorySnapshot.objects.filter(lens_import=lens_import).count() == 1
    assert (first, second) == (LensImport.Status.SUCCEEDED, None)
    assert (lens_import.devices_created, lens_import.devices_updated) == (2, 0)
    assert lens_import.snapshot_id is not None and lens_import.finished_at


@pytest.mark.storage
def test_an_import_left_running_by_a_lost_worker_is_taken_over(world, catalogue):
    lens_import = queued_import(world, lines("a,HS-1,HS100001,,,,,"))
    with tenant_context(world.alpha):
        LensImport.objects.filter(pk=lens_import.pk).update(status=LensImport.Status.RUNNING,
                                                           processed_rows=1)
        assert run_lens_import.delay(lens_import.pk).get() == LensImport.Status.SUCCEEDED
        assert Device.objects.filter(serial="HS100001").exists()


@pytest.mark.storage
def test_a_failed_import_stores_its_errors_in_the_uploaders_language(world, catalogue):
    from portal.users.models import User

    with tenant_context(world.alpha):
        agent = User.objects.get(email="agent@alpha.example")
        agent.language = "fr"
        agent.save()
        lens_import = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                         upload=ContentFile(b"Site\nParis\n"),
                                         filename="x.csv", uploaded_by=agent)
        assert run_lens_import.delay(lens_import.pk).get() == LensImport.Status.FAILED
        lens_import.refresh_from_db()
    assert [error["line"] for error in lens_import.errors] == [1, 1]
    assert lens_import.errors[0]["message"].startswith(
        "Le fichier n’a pas de colonne « Numéro de série »")


@pytest.mark.storage
@pytest.mark.parametrize("limit,fails", [(10, True), (10_000, False)])
def test_the_size_limit_is_checked_by_the_task_too(world, catalogue, settings, limit, fails):
    settings.LENS_IMPORT_MAX_BYTES = limit
    lens_import = queued_import(world, lines("a,HS-1,HS100001,,,,,"))
    with tenant_context(world.alpha):
        status = run_lens_import.delay(lens_import.pk).get()
    assert (status == LensImport.Status.FAILED) is fails


def test_make_lens_export_writes_a_deterministic_file(world, catalogue, tmp_path):
    from django.core.management import CommandError, call_command

    options = {"customer": "AL-0001", "rows": 50, "partner": "alpha", "seed": 4,
               "as_of": NOW.date()}
    call_command("make_lens_export", output=str(tmp_path / "a.csv"), **options)
    call_command("make_lens_export", output=str(tmp_path / "b.csv"), **options)
    call_command("make_lens_export", output=str(tmp_path / "fr.csv"), french=True, **options)
    first = (tmp_path / "a.csv").read_bytes()
    assert first == (tmp_path / "b.csv").read_bytes()
    assert first.decode().startswith("Device Name,Product,Serial Number,")
    assert len(first.decode().splitlines()) == 51
    french = (tmp_path / "fr.csv").read_bytes().decode("utf-8-sig")
    assert french.startswith("Nom de l’appareil;Modèle;Numéro de série;")
    assert run(world, first).created == 50
    with pytest.raises(CommandError):
        call_command("make_lens_export", customer="AL-0001", rows=5, partner="nobody")
    with pytest.raises(CommandError):
        call_command("make_lens_export", customer="BE-0001", rows=5, partner="alpha")


def test_the_demo_customers_get_devices_from_a_lens_export(db):
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from contracts.models import Customer
    from inventory.coverage import covered_q, outdated_firmware_q
    from portal.site.demo import DEMO_DEVICES_PER_CUSTOMER

    call_command("seed_demo", "--console-domain", "localhost")
    for schema in ("northwind", "azur"):
        with schema_context(schema):
            for customer in Customer.objects.all():
                devices = Device.objects.filter(customer=customer, source=Device.Source.LENS)
                assert devices.count() == DEMO_DEVICES_PER_CUSTOMER
                assert devices.exclude(covered_q(NOW.date())).exists()
                assert devices.filter(outdated_firmware_q()).exists()
                assert InventorySnapshot.objects.filter(customer=customer).exists()


def test_an_import_moves_updated_at_of_what_it_changes_only(world, catalogue):
    """Partners sync devices by updated_at: the bulk SQL sets it (by the wall clock, not
    the import's NOW) on devices created, changed or marked as not seen, and leaves the
    others alone."""
    from django.utils import timezone

    run(world, lines("Desk 1,hs-1,hs100001,2.0,Paris HQ,4.12,,2026-05-31 14:02",
                     "Desk 2,hs-1,hs100002,2.0,Paris HQ,4.13,,2026-05-31 14:02",
                     "Desk 3,hs-1,hs100003,2.0,Paris HQ,4.14,,2026-05-31 14:02"))
    before = {serial: device.updated_at for serial, device in devices(world).items()}
    started = timezone.now()
    run(world, lines("Desk 1,hs-1,hs100001,2.0,Paris HQ,4.12,,2026-05-31 14:02",
                     "Desk 2,hs-1,hs100002,2.1,Paris HQ,4.13,,2026-05-31 14:02",
                     "Desk 4,hs-1,hs100004,2.0,Paris HQ,4.15,,2026-05-31 14:02"))
    after = {serial: device.updated_at for serial, device in devices(world).items()}
    assert after["HS100001"] == before["HS100001"]  # listed again, unchanged
    assert after["HS100002"] >= started  # new firmware
    assert after["HS100003"] >= started  # not listed by a full export: not seen
    assert after["HS100004"] >= started  # created
