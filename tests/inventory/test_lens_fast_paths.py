"""The Poly Lens import's quick paths give what the plain ones give.

A good file is read and checked by PostgreSQL (inventory.lens.bulk); otherwise it is
checked column by column, and row by row only when something is wrong; dates and CSV are
written out the quick way when they can be. Each quick path is compared here with the plain
one on files and values made to hit their edge cases.
"""

import copy
import csv
import io
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.lens import bulk, checking, jobs, reading, writing
from inventory.lens.columns import STAGING_COLUMNS, detected_text, parse_detected
from inventory.models import Device
from portal.csvimport import decode
from tests.factories import DeviceFactory

HEADER = ["Device Name", "Product", "Serial Number", "Software Version", "Site", "Room",
          "MAC Address", "Last Detected"]
FIELDS = ["name", "model", "serial", "firmware", "site", "room", "mac", "date"]
CLEAN = {  # values the column check accepts, some of them to be normalised
    "name": ["x", ""],
    "model": ["HS-1", "hs-1", " Poly Hs-1 ", "VID-1", "Poly Vid-1", "ITP-1"],
    "serial": ["HS100001", "hs100001", "VID100003", "PH-100004", "ıSERIAL1", "hs100005"],
    "firmware": ["", "2.0", " 2.1 "],
    "site": ["", "Paris", " Lyon "],
    "room": ["", "Boardroom", "Room 4.12 "],
    "mac": ["", "00:04:F2:AA:BB:CC", "00-04-f2-aa-bb-cd", "0004.f2aa.bbcf", " 00:04:F2:AA:BB:CE"],
    "date": ["", "2026-05-31 14:02", "31/05/2026 09:30", "2026-10-25 02:30",
             " 2026-03-29 02:30 ", "2026-05-31T14:02:00+00:00", "2026-05-31 14:02:07.5"],
}
EDGES = {  # values that need a closer look, wrong or not
    "name": ["a,b", 'q"uote', "line\nbreak"],
    "model": ["NOPE", "", "Poly  vid-1", "HS-1\n"],
    "serial": ["", "HS 100004", "HS100005\nHS100006", "AB", "HS_1", "OWNED0001", "HS100001 ",
               "\xa0HS100007", "ﬀ10000"],
    "firmware": ["a" * 41, "a,b", "line\nbreak"],
    "site": ["a" * 121, " " + "a" * 120, 'q"uote', "\xa0Lyon\xa0"],
    "room": ["a" * 121, "a" * 120 + " ", "line\nbreak"],
    "mac": ["00:04:F2:AA:BB", "00:04:F2:AA:BB:C0\n", "zz", "00:04:f2:aa:bb:c1",
            "00:04:F2:AA:BB:CC\n00:04:F2:AA:BB:CD", "00:04:F2:AA:BB:CC:DD"],
    "date": ["31/02/2026 10:00", "01-01-1970", "2026-05-31", "yesterday", "2026-13-01 10:00"],
}


def clean_records(unique):
    row = st.tuples(*[st.sampled_from(CLEAN[field]) for field in FIELDS]).map(list)
    by_serial = (lambda cells: cells[2].strip().upper()) if unique else None
    return st.lists(row, min_size=1, max_size=6, unique_by=by_serial)


@st.composite
def files_with_defects(draw):
    """A clean file with one or two things wrong, or that need a closer look, in it."""
    records = draw(clean_records(unique=False))
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        cells = records[draw(st.integers(min_value=0, max_value=len(records) - 1))]
        kind = draw(st.sampled_from(["value", "value", "value", "short", "longer"]))
        if kind == "value" and cells:
            index = draw(st.integers(min_value=0, max_value=min(len(cells), len(FIELDS)) - 1))
            cells[index] = draw(st.sampled_from(EDGES[FIELDS[index]]))
        elif kind == "short" and cells:
            del cells[draw(st.integers(min_value=0, max_value=len(cells) - 1)):]
        elif kind == "longer":
            cells.extend(draw(st.lists(st.sampled_from(["", " ", "x"]), min_size=1,
                                       max_size=3)))
    return records


def both_checks(customer, data):
    """(rows of the column check or None, (rows, errors) of the row-by-row check)."""
    header, columns, body, errors = reading.read_lens_file(data)
    if errors:
        return None, ([], errors)
    fast = checking._check_columns(customer, header, columns, copy.deepcopy(body))
    slow = checking._validate_lens_rows(customer, header, columns, copy.deepcopy(body), None)
    return fast, slow


def assert_agree(fast, slow):
    """The column check may leave a file to the row-by-row check, never disagree with it."""
    rows, errors = slow
    if fast is not None:
        assert errors == []
        assert fast == rows


class RolledBack(Exception):
    pass


def database_rows(customer, data):
    """The rows as PostgreSQL reads and checks the file (bulk.stage), in the row-by-row
    check's form, or None when it leaves the file to that check. Nothing stays behind."""
    lens_file = bulk.read_alike(decode(data))
    if lens_file is None:
        return None
    rows = None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            bulk.stage(cursor, customer, lens_file)
            cursor.execute(f"SELECT {', '.join(STAGING_COLUMNS)} FROM lens_rows")
            rows = cursor.fetchall()
            raise RolledBack
    except (RolledBack, bulk.RowByRow):
        pass
    except Exception as exc:  # COPY's refusals, as import_file takes them
        assert isinstance(exc, bulk.READ_BY_PYTHON), exc
    return None if rows is None else sorted(rows)


def as_database_rows(rows):
    """The row-by-row check's rows with their dates read as PostgreSQL stores them."""
    return sorted((*row[:-1], datetime.fromisoformat(row[-1]) if row[-1] else None)
                  for row in rows)


def assert_database_agrees(customer, data):
    """PostgreSQL may leave a file to the row-by-row check, never disagree with it.
    Answers whether it took the file."""
    taken = database_rows(customer, data)
    header, columns, body, errors = reading.read_lens_file(data)
    if not errors:
        rows, errors = checking._validate_lens_rows(customer, header, columns, body, None)
    if taken is not None:
        assert errors == []
        assert taken == as_database_rows(rows)
    return taken is not None


def csv_bytes(records):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *records])
    return buffer.getvalue().encode()


@pytest.fixture
def customer(world, catalogue):
    with tenant_context(world.alpha):
        DeviceFactory(serial="OWNED0001", product_model=catalogue["headset"],
                      customer=world.customer(world.alpha, "AL-0002"))
        customer = world.customer(world.alpha, "AL-0001")
        customer.time_zone = "Europe/Paris"
        yield customer


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=files_with_defects())
def test_the_column_check_never_accepts_what_the_row_check_refuses(customer, records):
    assert_agree(*both_checks(customer, csv_bytes(records)))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=files_with_defects())
def test_the_database_never_accepts_what_the_row_check_refuses(customer, records):
    assert_database_agrees(customer, csv_bytes(records))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=clean_records(unique=True), delimiter=st.sampled_from([",", ";", "\t"]),
       line_end=st.sampled_from(["\r\n", "\n"]), encoding=st.sampled_from(["utf-8",
                                                                              "utf-8-sig",
                                                                              "cp1252"]))
def test_the_database_reads_clean_files_as_the_row_check_does(customer, records, delimiter,
                                                              line_end, encoding):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(
        [HEADER, *records])
    assert_database_agrees(customer, buffer.getvalue().encode(encoding, errors="replace"))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=clean_records(unique=True))
def test_the_column_check_accepts_clean_files_with_the_same_rows(customer, records):
    fast, (rows, errors) = both_checks(customer, csv_bytes(records))
    assert errors == []
    assert fast == rows


@pytest.mark.parametrize("field,value", [(field, value) for field, values in EDGES.items()
                                         for value in values])
def test_each_value_that_needs_a_closer_look_gets_it(customer, field, value):
    records = [["x", "HS-1", "HS100001", "2.0", "Paris", "Boardroom", "00:04:F2:AA:BB:CC",
                "2026-05-31 14:02"],
               ["y", "VID-1", "VID100002", "", "", "", "", ""]]
    records[0][FIELDS.index(field)] = value
    assert_agree(*both_checks(customer, csv_bytes(records)))
    assert_database_agrees(customer, csv_bytes(records))


@pytest.mark.parametrize("cells", [[], ["x", "HS-1"], ["x", "HS-1", "HS100003"],
                                   ["x", "HS-1", "HS100003", "", "", "", "", "", ""],
                                   ["x", "HS-1", "HS100003", "", "", "", "", "", " ", ""],
                                   ["x", "HS-1", "HS100003", "", "", "", "", "", "", "x"]])
def test_short_and_long_rows(customer, cells):
    records = [["x", "HS-1", "HS100001", "", "", "", "", ""], cells]
    assert_agree(*both_checks(customer, csv_bytes(records)))
    assert_database_agrees(customer, csv_bytes(records))


def test_a_file_with_an_error_is_checked_row_by_row(customer):
    data = csv_bytes([["x", "HS-1", "HS100001", "", "", "", "", ""],
                      ["y", "HS-1", "OWNED0001", "", "", "", "", ""]])
    fast, (rows, errors) = both_checks(customer, data)
    assert fast is None
    assert [(error.line, error.column) for error in errors] == [(3, "Serial Number")]


def test_trailing_separators_and_short_rows_are_checked_by_columns_too(customer):
    # A short row but the last (which would be a cut file: test_lens_truncated).
    data = (b"Serial Number,Product,Site,\r\nHS100001,HS-1\r\nHS100002,HS-1,Paris,\r\n"
            b"HS100003,HS-1,Lyon\r\n")
    fast, (rows, errors) = both_checks(customer, data)
    assert errors == [] and fast == rows and len(rows) == 3


ZONES = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
         "Pacific/Chatham", "America/St_Johns", "UTC"]
FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%S.%f",
           "%Y-%m-%d %H:%M%z"]


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1890, 1, 1), max_value=datetime(2040, 1, 1)),
       zone=st.sampled_from(ZONES), form=st.sampled_from(FORMATS),
       offset=st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_detected_text_is_the_aware_datetime_written_out(moment, zone, form, offset):
    from datetime import timezone

    if form.endswith("%z"):
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=offset)))
    value, zone = moment.strftime(form), ZoneInfo(zone)
    expected = parse_detected(value, zone)
    assert detected_text(value, zone, {}) == (expected and expected.isoformat(sep=" "))


def test_detected_text_around_a_change_of_time():
    paris, offsets = ZoneInfo("Europe/Paris"), {}
    # Twice 02:30 on 25 October: the first one, in summer time, as with replace(tzinfo=…).
    assert detected_text("2026-10-25 02:30", paris, offsets) == "2026-10-25 02:30:00+02:00"
    assert detected_text("2026-03-29 02:30", paris, offsets) == "2026-03-29 02:30:00+01:00"
    assert detected_text("1900-01-01 00:00", paris, offsets) == "1900-01-01 00:00:00+00:09:21"
    assert detected_text("31/02/2026 10:00", paris, offsets) is None


values = st.one_of(st.text(max_size=6), st.integers(min_value=0, max_value=10**6))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(*[values] * len(STAGING_COLUMNS)), max_size=6))
def test_csv_text_is_what_the_csv_module_writes(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    assert writing.csv_text(rows) == buffer.getvalue()


# The file as PostgreSQL reads it ------------------------------------------------------------

LENS_FILE = (
    'Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,Last Detected\r\n'
    'Desk 1,HS-1,HS100001,2.0,Paris,Boardroom,,2026-05-31 14:02\r\n'
    '"Screen, big",Poly Vid-1,vid100002,1.9,Paris,"Room ""A""",00:04:f2:aa:bb:cc,'
    '2026-10-25 02:30\r\n'
    'Phone,ITP-1,PH-100003,,,,00:04:F2:AA:BB:CD,\r\n'
)


def test_a_lens_export_is_read_by_the_database_as_by_the_row_check(customer):
    assert assert_database_agrees(customer, LENS_FILE.encode())
    rows = database_rows(customer, LENS_FILE.encode())
    assert [row[0] for row in rows] == ["HS100001", "PH-100003", "VID100002"]
    assert rows[2][3] == 'Room "A"' and rows[2][4] == "00:04:F2:AA:BB:CC"
    # Twice 02:30 that night in Paris: the first, in summer time, as in Python.
    assert rows[2][6] == datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC"))


@pytest.mark.parametrize("data", [
    LENS_FILE.encode("utf-8-sig"),
    LENS_FILE.replace(",", ";").replace('"Screen; big"', '"Screen, big"').encode("cp1252"),
    LENS_FILE.replace("\r\n", "\n").encode(),
    (LENS_FILE + "\r\n\r\n").encode(),  # blank lines at the end
    LENS_FILE.replace("Last Detected", "Connection").encode(),  # no date column
    LENS_FILE.replace("2026-05-31 14:02", "31/05/2026 14:02").encode(),
])
def test_forms_the_database_reads(customer, data):
    assert assert_database_agrees(customer, data)


@pytest.mark.parametrize("data", [
    # A quote inside an unquoted value: a character for the csv module.
    LENS_FILE.replace("Boardroom", 'Board"room').encode(),
    LENS_FILE.replace("Boardroom", '"Board"room').encode(),
    # A line of its own with \. ends COPY's data.
    LENS_FILE.replace("Phone,", "\\.\r\nPhone,").encode(),
    # A quoted value over two lines, a blank line, a short line, a value in an extra column.
    LENS_FILE.replace("Screen, big", "Screen\r\nbig").encode(),
    LENS_FILE.replace("Phone,", "\r\nPhone,").encode(),
    LENS_FILE + "Desk 9,HS-1,HS100009\r\n",
    LENS_FILE.replace(",2026-05-31 14:02", ",2026-05-31 14:02,x").encode(),
    # Values to be trimmed or rewritten.
    LENS_FILE.replace("Paris,Boardroom", " Paris,Boardroom").encode(),
    LENS_FILE.replace("00:04:F2:AA:BB:CD", "00-04-F2-AA-BB-CD").encode(),
    # A file with something to report.
    LENS_FILE.replace("HS100001", "OWNED0001").encode(),
    LENS_FILE.replace("HS-1,", "NOPE-1,", 1).encode(),
    LENS_FILE.split("\r\n", 1)[0].encode(),
    b"",
])
def test_forms_left_to_the_row_check(customer, data):
    data = data if isinstance(data, bytes) else data.encode()
    assert not assert_database_agrees(customer, data)


def foreign_keys():
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'inventory_device'::regclass AND contype = 'f' "
                       "ORDER BY conname")
        return cursor.fetchall()


@pytest.mark.parametrize("one_pass_from", [1, 1000])
def test_an_import_by_the_database_writes_the_devices(customer, settings, one_pass_from,
                                                        monkeypatch):
    settings.LENS_IMPORT_ONE_PASS_REFERENCE_CHECK_FROM = one_pass_from
    constraints = foreign_keys()
    assert len(constraints) == 2
    taken = []
    original = bulk.import_file

    def spy(*args, **kwargs):
        taken.append(original(*args, **kwargs))
        return taken[-1]
    monkeypatch.setattr(bulk, "import_file", spy)
    lens_import = jobs.import_now(customer, LENS_FILE.encode())
    assert taken[0] is not None
    assert (lens_import.status, lens_import.total_rows, lens_import.devices_created) == (
        "succeeded", 3, 3)
    device = Device.objects.get(serial="VID100002")
    assert (device.customer, device.product_model.sku, device.room, device.source) == (
        customer, "VID-1", 'Room "A"', "lens")
    # Checked in one pass or row by row, the foreign keys are as they were.
    assert foreign_keys() == constraints
    # Again: nothing new, nothing changed.
    lens_import = jobs.import_now(customer, LENS_FILE.encode())
    assert taken[1] is not None
    assert (lens_import.devices_created, lens_import.devices_updated) == (0, 3)


def _locks_on_the_catalogue():
    with connection.cursor() as cursor:
        cursor.execute("SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
                       "AND relation = 'public.catalogue_productmodel'::regclass")
        return {mode for (mode,) in cursor.fetchall()}


def test_a_large_import_never_locks_the_catalogue_of_every_partner(customer, settings,
                                                                    monkeypatch):
    settings.LENS_IMPORT_ONE_PASS_REFERENCE_CHECK_FROM = 1
    during = []
    original = writing.references_checked_once

    @contextmanager
    def spy(cursor):
        with original(cursor):
            during.append((foreign_keys(), _locks_on_the_catalogue()))
            yield
    monkeypatch.setattr(writing, "references_checked_once", spy)

    lens_import = jobs.import_now(customer, LENS_FILE.encode())

    assert (lens_import.status, lens_import.devices_created) == ("succeeded", 3)
    ((constraints, locks),) = during
    # The customer's key is checked in one pass; the catalogue's stays, and with it no
    # lock that would hold back the other partners' pages.
    assert [definition for _name, definition in constraints] == [
        "FOREIGN KEY (product_model_id) REFERENCES catalogue_productmodel(id) "
        "DEFERRABLE INITIALLY DEFERRED"]
    assert not locks & {"AccessExclusiveLock", "ExclusiveLock", "ShareRowExclusiveLock"}
    assert len(foreign_keys()) == 2


def test_a_large_import_behind_a_long_reader_checks_row_by_row_rather_than_wait(
        customer, settings):
    settings.LENS_IMPORT_ONE_PASS_REFERENCE_CHECK_FROM = 1
    schema = connection.schema_name
    reading_started, done = threading.Event(), threading.Event()

    def long_reader():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{schema}".contracts_customer')
                reading_started.set()
                done.wait(60)
        finally:
            connection.close()
    reader = threading.Thread(target=long_reader)
    reader.start()
    try:
        assert reading_started.wait(30)
        started = time.monotonic()
        lens_import = jobs.import_now(customer, LENS_FILE.encode())
        waited = time.monotonic() - started
    finally:
        done.set()
        reader.join()
    assert (lens_import.status, lens_import.devices_created) == ("succeeded", 3)
    assert waited < 15
    assert len(foreign_keys()) == 2
