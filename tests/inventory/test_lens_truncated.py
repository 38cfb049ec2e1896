"""A Lens file cut off in its last row is refused with that row's line, whichever way the
import goes (the database path or row by row), and nothing changes."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from inventory.lens import bulk, jobs
from inventory.models import Device, LensImport
from tests.factories import DeviceFactory


@pytest.fixture(autouse=True)
def without_review(settings):
    """These files list a handful of devices, so any one dropped is more than the share that
    stops a full export at a preview (tested in test_lens_review.py)."""
    settings.LENS_IMPORT_REVIEW_SHARE = Decimal("1000")


HEADER = "Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,Last Detected"
GOOD = [f"Desk {n},HS-1,HS10000{n},2.0,Paris,Room {n},,2026-05-31 14:0{n}" for n in range(1, 4)]


def export(*rows, end="\r\n"):
    return (end.join([HEADER, *rows]) + end).encode()


# (the file, the line the error names)
CUT_FILES = {
    # Cut after the serial: no final line break and three values of eight.
    "short row, no line break": (export(*GOOD)[:-40], 4),
    # The same row, short, with a line break after it.
    "short row, line break": (export(*GOOD[:2], "Desk 3,HS-1,HS100003"), 4),
    # Short and quoted: every value after the cut is missing.
    "short quoted row": (export(*GOOD[:2], '"Desk 3",HS-1,"HS100003"', end="\n"), 4),
    # Cut inside a quoted value: the csv module would read the rest as that value.
    "open quote": (export(*GOOD[:2]) + b'Desk 3,HS-1,HS100003,2.0,Paris,"Room 3,', 4),
    # An open quote that swallows the lines after it, line breaks included.
    "open quote over lines": (export(GOOD[0], 'Desk 2,HS-1,HS100002,2.0,"Paris', *GOOD[2:]),
                              3),
    # Semicolons, no line break, cut in the fifth value.
    "french, short": (export(*GOOD).replace(b",", b";")[:-30], 4),
}


@pytest.fixture
def existing(world, catalogue):
    """Devices of the customer that a full export of GOOD[:2] would mark as not seen."""
    with tenant_context(world.alpha):
        for serial in ("HS200001", "HS200002"):
            DeviceFactory(serial=serial, product_model=catalogue["headset"],
                          customer=world.customer(world.alpha, "AL-0001"))


def state():
    return sorted(Device.objects.values_list("serial", "site", "room", "not_seen_since"))


@pytest.mark.parametrize("kind", CUT_FILES)
def test_a_cut_file_is_refused_with_its_line_and_nothing_changes(world, existing, kind):
    data, line = CUT_FILES[kind]
    with tenant_context(world.alpha):
        before = state()
        lens_import = jobs.import_now(world.customer(world.alpha, "AL-0001"), data)
        assert state() == before
    assert lens_import.status == LensImport.Status.FAILED
    assert lens_import.snapshot_id is None and lens_import.devices_marked_missing == 0
    assert [error["line"] for error in lens_import.errors] == [line]
    assert "cut off" in lens_import.errors[0]["message"]


@pytest.mark.parametrize("kind", CUT_FILES)
def test_the_database_path_never_takes_a_cut_file(world, existing, kind):
    data, _line = CUT_FILES[kind]
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        assert bulk.import_file(customer, data, full_export=True) is None
        assert Device.objects.filter(serial__startswith="HS1").count() == 0


def test_the_same_files_whole_are_imported(world, existing):
    """What makes the files above cut is only the cut."""
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        # In the order of their dates: an older export would be refused (test_lens_order).
        for data in (export(*GOOD[:2], '"Desk 3",HS-1,"HS100003",,,,,'), export(*GOOD),
                     export(*GOOD).replace(b",", b";"), export(*GOOD)[:-2]):
            lens_import = jobs.import_now(customer, data)
            assert lens_import.status == LensImport.Status.SUCCEEDED, lens_import.errors
        assert Device.objects.filter(serial__startswith="HS1").count() == 3


def test_a_short_row_before_the_last_is_still_a_row_with_empty_values(world, existing):
    with tenant_context(world.alpha):
        lens_import = jobs.import_now(world.customer(world.alpha, "AL-0001"),
                                      export("Desk 3,HS-1,HS100003", *GOOD[:2]))
        assert lens_import.status == LensImport.Status.SUCCEEDED, lens_import.errors
        assert Device.objects.get(serial="HS100003").site == ""
