"""The Poly Lens import's quick paths give what the plain ones give.

A file is checked column by column first, and row by row only when something is wrong;
dates and CSV are written out the quick way when they can be. Each quick path is compared
here with the plain one on files and values made to hit their edge cases.
"""

import copy
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import lens
from inventory.models import Device

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
    header, columns, body, errors = lens.read_lens_file(data)
    if errors:
        return None, ([], errors)
    fast = lens._check_columns(customer, header, columns, copy.deepcopy(body))
    slow = lens._validate_lens_rows(customer, header, columns, copy.deepcopy(body), None)
    return fast, slow


def assert_agree(fast, slow):
    """The column check may leave a file to the row-by-row check, never disagree with it."""
    rows, errors = slow
    if fast is not None:
        assert errors == []
        assert fast == rows


def csv_bytes(records):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *records])
    return buffer.getvalue().encode()


@pytest.fixture
def customer(world, catalogue):
    with tenant_context(world.alpha):
        Device.objects.create(serial="OWNED0001", product_model=catalogue["headset"],
                              customer=world.customer(world.alpha, "AL-0002"))
        customer = world.customer(world.alpha, "AL-0001")
        customer.time_zone = "Europe/Paris"
        yield customer


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=files_with_defects())
def test_the_column_check_never_accepts_what_the_row_check_refuses(customer, records):
    assert_agree(*both_checks(customer, csv_bytes(records)))


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


@pytest.mark.parametrize("cells", [[], ["x", "HS-1"], ["x", "HS-1", "HS100003"],
                                   ["x", "HS-1", "HS100003", "", "", "", "", "", ""],
                                   ["x", "HS-1", "HS100003", "", "", "", "", "", " ", ""],
                                   ["x", "HS-1", "HS100003", "", "", "", "", "", "", "x"]])
def test_short_and_long_rows(customer, cells):
    records = [["x", "HS-1", "HS100001", "", "", "", "", ""], cells]
    assert_agree(*both_checks(customer, csv_bytes(records)))


def test_a_file_with_an_error_is_checked_row_by_row(customer):
    data = csv_bytes([["x", "HS-1", "HS100001", "", "", "", "", ""],
                      ["y", "HS-1", "OWNED0001", "", "", "", "", ""]])
    fast, (rows, errors) = both_checks(customer, data)
    assert fast is None
    assert [(error.line, error.column) for error in errors] == [(3, "Serial Number")]


def test_trailing_separators_and_short_rows_are_checked_by_columns_too(customer):
    data = b"Serial Number,Product,Site,\r\nHS100001,HS-1,Paris,\r\nHS100002,HS-1\r\n"
    fast, (rows, errors) = both_checks(customer, data)
    assert errors == [] and fast == rows and len(rows) == 2


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
    expected = lens.parse_detected(value, zone)
    assert lens.detected_text(value, zone, {}) == (expected and expected.isoformat(sep=" "))


def test_detected_text_around_a_change_of_time():
    paris, offsets = ZoneInfo("Europe/Paris"), {}
    # Twice 02:30 on 25 October: the first one, in summer time, as with replace(tzinfo=…).
    assert lens.detected_text("2026-10-25 02:30", paris, offsets) == "2026-10-25 02:30:00+02:00"
    assert lens.detected_text("2026-03-29 02:30", paris, offsets) == "2026-03-29 02:30:00+01:00"
    assert lens.detected_text("1900-01-01 00:00", paris, offsets) == "1900-01-01 00:00:00+00:09:21"
    assert lens.detected_text("31/02/2026 10:00", paris, offsets) is None


values = st.one_of(st.text(max_size=6), st.integers(min_value=0, max_value=10**6))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(*[values] * len(lens.STAGING_COLUMNS)), max_size=6))
def test_csv_text_is_what_the_csv_module_writes(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    assert lens.csv_text(rows) == buffer.getvalue()
