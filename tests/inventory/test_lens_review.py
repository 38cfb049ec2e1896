"""A full Lens export that would mark as not seen, or change, more than a share (10 %) of
the customer's active devices stops at a preview: nothing changes until the uploader
confirms it, and a confirm applies exactly what was shown, or is refused."""

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from inventory.lens import jobs
from inventory.models import Device, LensImport
from inventory.tasks import run_lens_import
from tests.api.conftest import ApiClient, make_token

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

HEADER = "Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,Last Detected"
# The database path takes a clean file; a value to trim sends it row by row.
PATHS = {"database": "Paris", "row by row": " Paris"}
HEADSETS = [f"HS1000{n:02d}" for n in range(1, 15)]  # 14 headsets
VIDEO = [f"VID1000{n:02d}" for n in range(1, 7)]  # and 6 video bars: 20 devices


def export(day, rows):
    """A full export of `rows` ((serial, product, site)), last detected on June `day`."""
    lines = [f"Desk,{product},{serial},2.0,{site},Room,,2026-06-0{day} 14:02"
             for serial, product, site in rows]
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode()


def base_rows(site="Paris", headsets=HEADSETS, video=VIDEO):
    return ([(serial, "HS-1", site) for serial in headsets]
            + [(serial, "VID-1", site) for serial in video])


def run(world, data, name="export.csv", full_export=True):
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                         upload=ContentFile(data), filename=name,
                                         full_export=full_export)
        run_lens_import.delay(lens_import.pk).get()
        lens_import.refresh_from_db()
    return lens_import


def state(world):
    with tenant_context(world.alpha):
        return sorted(Device.objects.values_list(
            "serial", "product_model__sku", "site", "firmware_version", "last_seen",
            "not_seen_since"))


@pytest.fixture
def twenty(world, catalogue):
    """20 active devices of AL-0001: 10 % of them is 2."""
    first = run(world, export(1, base_rows()))
    assert first.status == LensImport.Status.SUCCEEDED and first.devices_created == 20
    return first


@pytest.mark.parametrize("path", PATHS)
def test_exactly_ten_percent_not_seen_applies_at_once(world, twenty, path):
    lens_import = run(world, export(2, base_rows(PATHS[path], headsets=HEADSETS[2:])))
    assert lens_import.status == LensImport.Status.SUCCEEDED
    assert lens_import.devices_marked_missing == 2 and lens_import.review == {}


@pytest.mark.parametrize("path", PATHS)
def test_more_than_ten_percent_not_seen_stops_and_changes_nothing(world, twenty, path):
    before = state(world)
    lens_import = run(world, export(2, base_rows(PATHS[path], headsets=HEADSETS[3:])))
    assert lens_import.status == LensImport.Status.REVIEW
    assert state(world) == before
    with tenant_context(world.alpha):
        assert not lens_import.snapshot_id
        assert not Device.objects.filter(not_seen_since__isnull=False).exists()
    review = lens_import.review
    assert (review["base"], review["new"], review["changed"], review["not_seen"]) == (
        20, 0, 0, 3)
    [headsets] = [row for row in review["categories"] if row["category"] == "headsets"]
    assert headsets["not_seen"] == 3 and headsets["not_seen_sample"] == HEADSETS[:3]


def test_changes_count_against_the_share_but_a_new_date_alone_does_not(world, twenty):
    # Every device's "Last Detected" moves, two change site: 10 %, applies.
    moved = [(serial, "HS-1", "Lyon" if serial in HEADSETS[:2] else "Paris")
             for serial in HEADSETS] + [(serial, "VID-1", "Paris") for serial in VIDEO]
    assert run(world, export(2, moved)).status == LensImport.Status.SUCCEEDED
    # Three devices change firmware or model: 15 %, stops.
    before = state(world)
    rows = [(serial, "HS-1", "Paris") for serial in HEADSETS[2:]] + [
        (serial, "VID-1", "Paris") for serial in VIDEO[:3]] + [
        (VIDEO[3], "PH-1", "Paris"), (VIDEO[4], "PH-1", "Paris"), (VIDEO[5], "PH-1", "Paris")]
    lens_import = run(world, export(3, [("HS100001", "HS-1", "Lyon"),
                                        ("HS100002", "HS-1", "Lyon"), *rows]))
    assert lens_import.status == LensImport.Status.REVIEW
    assert state(world) == before
    review = lens_import.review
    assert (review["new"], review["changed"], review["not_seen"]) == (0, 3, 0)
    # A changed device is counted in the category the file gives it.
    [voice] = [row for row in review["categories"] if row["category"] == "voice"]
    assert voice["changed_sample"] == VIDEO[3:]


def test_new_devices_never_stop_an_import_nor_does_a_partial_export(world, twenty):
    many_new = base_rows() + [(f"HS2000{n:02d}", "HS-1", "Paris") for n in range(30)]
    assert run(world, export(2, many_new)).status == LensImport.Status.SUCCEEDED
    half = run(world, export(3, base_rows(headsets=HEADSETS[:4])), full_export=False)
    assert half.status == LensImport.Status.SUCCEEDED


def test_the_page_shows_the_preview_and_confirming_applies_it(
        world, twenty, django_capture_on_commit_callbacks):
    lens_import = run(world, export(2, base_rows(headsets=HEADSETS[3:])
                                    + [("PH100001", "PH-1", "Paris")]), "half.csv")
    client = world["alpha_agent"].client()
    url = f"/devices/imports/{lens_import.pk}/"
    body = client.get(url).content.decode()
    assert "Nothing is imported yet" in body and "more than 10 % of the customer" in body
    assert "HS100001, HS100002, HS100003" in body and "PH100001" in body
    assert "Confirm and import" in body and "hx-get" not in body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "review/confirm/")
    assert response.status_code == 302 and response["Location"] == url
    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
        assert lens_import.status == LensImport.Status.SUCCEEDED
        assert lens_import.review_decided_by == world["alpha_agent"].user
        assert (lens_import.devices_created, lens_import.devices_marked_missing) == (1, 3)
        assert sorted(Device.objects.filter(not_seen_since__isnull=False)
                      .values_list("serial", flat=True)) == HEADSETS[:3]
    assert "Confirmed: the import is applied as previewed." in client.get(url).content.decode()


def test_a_confirm_after_a_newer_export_is_refused_by_date(
        world, twenty, django_capture_on_commit_callbacks):
    waiting = run(world, export(2, base_rows(headsets=HEADSETS[3:])), "june-2.csv")
    assert waiting.status == LensImport.Status.REVIEW
    newer = run(world, export(3, base_rows()), "june-3.csv")
    assert newer.status == LensImport.Status.SUCCEEDED
    before = state(world)
    with django_capture_on_commit_callbacks(execute=True):
        world["alpha_admin"].client().post(f"/devices/imports/{waiting.pk}/review/confirm/")
    with tenant_context(world.alpha):
        waiting.refresh_from_db()
    assert waiting.status == LensImport.Status.FAILED
    assert "older than one already imported" in waiting.errors[0]["message"]
    assert state(world) == before


def test_a_confirm_after_the_devices_changed_is_refused(
        world, twenty, django_capture_on_commit_callbacks):
    waiting = run(world, export(2, base_rows(headsets=HEADSETS[3:])))
    with tenant_context(world.alpha):
        # One of the devices the preview would mark as not seen is retired meanwhile.
        Device.objects.filter(serial=HEADSETS[0]).update(status=Device.Status.RETIRED)
    before = state(world)
    with django_capture_on_commit_callbacks(execute=True):
        world["alpha_agent"].client().post(f"/devices/imports/{waiting.pk}/review/confirm/")
    with tenant_context(world.alpha):
        waiting.refresh_from_db()
    assert waiting.status == LensImport.Status.FAILED
    assert "changed since this preview" in waiting.errors[0]["message"]
    assert state(world) == before


def test_a_discarded_import_is_never_applied(world, twenty, django_capture_on_commit_callbacks):
    waiting = run(world, export(2, base_rows(headsets=HEADSETS[3:])))
    before = state(world)
    client = world["alpha_agent"].client()
    url = f"/devices/imports/{waiting.pk}/"
    assert client.get(url + "review/discard/").status_code == 405
    client.post(url + "review/discard/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "review/confirm/", follow=True)
    assert "not waiting for review any more" in response.content.decode()
    with tenant_context(world.alpha):
        waiting.refresh_from_db()
    assert waiting.status == LensImport.Status.REVIEW_DISCARDED
    assert state(world) == before
    assert "Discarded after review" in client.get(url).content.decode()


def test_another_partners_and_customers_users_get_404(world, twenty):
    waiting = run(world, export(2, base_rows(headsets=HEADSETS[3:])))
    with tenant_context(world.beta):
        assert not LensImport.objects.filter(pk=waiting.pk).exists()
    for persona in ("beta_admin", "beta_agent", "alpha_customer1", "alpha_customer2"):
        client = world[persona].client()
        for action in ("confirm", "discard"):
            response = client.post(f"/devices/imports/{waiting.pk}/review/{action}/")
            assert response.status_code == 404, (persona, action)
    with tenant_context(world.alpha):
        waiting.refresh_from_db()
    assert waiting.status == LensImport.Status.REVIEW


def test_the_api_shows_the_preview_and_confirms_or_discards(
        world, twenty, django_capture_on_commit_callbacks):
    waiting = run(world, export(2, base_rows(headsets=HEADSETS[3:])))
    path = f"/api/v1/lens-imports/{waiting.pk}"
    for persona in ("alpha_customer1", "alpha_customer2"):
        own_portal = ApiClient(world[persona].host, make_token(world[persona]))
        assert own_portal.post(path + "/review/confirm", {}).status_code == 404
        assert own_portal.post(path + "/review/discard", {}).status_code == 404
    beta = ApiClient(world["beta_admin"].host, make_token(world["beta_admin"]))
    assert beta.post(path + "/review/confirm", {}).status_code == 404
    assert beta.post(path + "/review/discard", {}).status_code == 404

    client = ApiClient(world["alpha_agent"].host, make_token(world["alpha_agent"]))
    body = client.get(path).json()
    assert body["status"] == "review" and body["review"]["not_seen"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path + "/review/confirm", {})
    assert response.status_code == 202
    body = client.get(path).json()
    assert body["status"] == "succeeded" and body["devices_marked_missing"] == 3
    again = client.post(path + "/review/discard", {})
    assert again.status_code == 422
    assert "not waiting for review" in again.content.decode()


def test_the_confirm_step_is_documented(world):
    from portal.site.api import api

    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    assert "post" in paths["/api/v1/lens-imports/{lens_import_id}/review/confirm"]
    assert "post" in paths["/api/v1/lens-imports/{lens_import_id}/review/discard"]
