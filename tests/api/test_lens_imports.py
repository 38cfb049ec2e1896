"""Poly Lens imports through the API: uploaded like on the upload page (same form, size limit
and service), queued, followed to the end with the page's progress and per-row errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from inventory.models import Device, LensImport
from tests.api.conftest import ApiClient, make_lens_import, make_token

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

HEADER = "Serial Number,Product,Site,Last Detected\n"
GOOD = HEADER + "HS100001,HS-1,Paris,\nVID100001,VID-1,,\n"


def export(text=GOOD, name="lens-export.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, text=GOOD, site_id="AL-0001", full_export="true", **headers):
    return client.upload("/api/v1/lens-imports", {"site_id": site_id, "full_export": full_export,
                                                  "file": export(text)}, **headers)


def imports(world):
    with tenant_context(world.alpha):
        return list(LensImport.objects.order_by("pk"))


def test_staff_upload_and_get_the_job_at_once(world, api, catalogue,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(api("alpha_agent"))
    assert response.status_code == 202
    data = response.json()
    [lens_import] = imports(world)
    assert data["id"] == lens_import.pk
    assert data["status"] == "queued" and data["percent"] == 0
    assert data["customer"]["site_id"] == "AL-0001" and data["full_export"] is True
    assert data["filename"] == "lens-export.csv"
    assert lens_import.uploaded_by == world["alpha_agent"].user
    assert len(callbacks) == 1  # run_lens_import, once the upload is committed


def test_the_import_runs_and_the_job_shows_the_counts(world, api, catalogue,
                                                      django_capture_on_commit_callbacks):
    client = api("alpha_admin")
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client).json()
    data = client.get(f"/api/v1/lens-imports/{job['id']}").json()
    assert data["status"] == "succeeded" and data["percent"] == 100
    assert data["total_rows"] == data["processed_rows"] == 2
    assert data["devices_created"] == 2 and data["errors"] == []
    counts = {count["category"]: count["total"] for count in data["counts"]}
    assert counts == {"headsets": 1, "video": 1, "voice": 0}
    with tenant_context(world.alpha):
        assert Device.objects.filter(source=Device.Source.LENS).count() == 2


def test_a_failed_import_lists_every_error_with_its_line(world, api, catalogue,
                                                         django_capture_on_commit_callbacks):
    client = api("alpha_agent")
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, HEADER + "HS100001,HS-1,,\nHS100002,NOPE,,\n"
                                      "bad serial!,HS-1,,yesterday\n").json()
    data = client.get(f"/api/v1/lens-imports/{job['id']}").json()
    assert data["status"] == "failed" and data["error_count"] == 3
    assert sorted(error["line"] for error in data["errors"]) == [3, 4, 4]
    assert "Unknown product model “NOPE”." in [error["message"] for error in data["errors"]]
    with tenant_context(world.alpha):
        assert not Device.objects.exists()


def test_progress_is_the_pages(world, api, samples):
    with tenant_context(world.alpha):
        running = make_lens_import(samples["AL-0001"].customer, "big.csv",
                                   status=LensImport.Status.RUNNING, total_rows=200,
                                   processed_rows=100, error_count=0, errors=[])
    data = api("alpha_agent").get(f"/api/v1/lens-imports/{running.pk}").json()
    assert data["status"] == "running"
    assert (data["processed_rows"], data["total_rows"], data["percent"]) == (
        100, 200, running.percent)


def test_the_upload_pages_checks_answer_422_per_field(world, api, catalogue, settings):
    client = api("alpha_agent")
    unknown = upload(client, site_id="ZZ-0404")
    assert unknown.status_code == 422
    assert list(unknown.json()["errors"]) == ["site_id"]
    missing = client.upload("/api/v1/lens-imports", {"site_id": "AL-0001",
                                                     "full_export": "true"})
    assert missing.status_code == 422 and "file" in missing.json()["errors"]
    no_flag = client.upload("/api/v1/lens-imports", {"site_id": "AL-0001", "file": export()})
    assert no_flag.status_code == 422 and "full_export" in no_flag.json()["errors"]
    settings.LENS_IMPORT_MAX_BYTES = 10
    too_big = upload(client)
    assert too_big.status_code == 422
    assert "the limit is" in too_big.json()["errors"]["file"][0]
    assert imports(world) == []


def test_the_list_is_newest_first_in_cursor_pages(world, api, samples):
    with tenant_context(world.alpha):
        extra = make_lens_import(samples["AL-0002"].customer, "third.csv")
    client = api("alpha_agent")
    first = client.get("/api/v1/lens-imports", {"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == [
        extra.pk, samples["AL-0002"].lens_import.pk]
    second = client.get("/api/v1/lens-imports", {"limit": 2, "cursor": first["next"]}).json()
    assert [item["id"] for item in second["items"]] == [samples["AL-0001"].lens_import.pk]
    assert second["next"] is None
    assert second["items"][0]["errors"] == [
        {"line": 2, "column": "serial_number", "message": "Bad serial of AL-0001"}]


def test_the_same_idempotency_key_queues_once(world, api, catalogue,
                                              django_capture_on_commit_callbacks):
    client = api("alpha_agent")
    key = {"Idempotency-Key": "4d3c1b2a-0000-4000-8000-00000000lens"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = upload(client, **key)
        again = upload(client, **key)
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert len(imports(world)) == 1 and len(callbacks) == 1
    other = upload(client, GOOD + "PH100001,PH-1,,\n", **key)
    assert other.status_code == 422
    assert other.json()["type"] == "/api/v1/problems/idempotency-key-reused"
    assert len(imports(world)) == 1


def test_a_session_upload_needs_the_csrf_token(world, catalogue):
    browser = world["alpha_agent"].client()
    browser.handler.enforce_csrf_checks = True
    refused = browser.post("/api/v1/lens-imports", {"site_id": "AL-0001",
                                                    "full_export": "true", "file": export()})
    assert refused.status_code == 403
    assert refused.json()["type"] == "/api/v1/problems/csrf-failed"
    token = browser.get("/devices/imports/new/").context["csrf_token"]
    accepted = browser.post("/api/v1/lens-imports", {"site_id": "AL-0001",
                                                     "full_export": "true", "file": export()},
                            headers={"X-CSRFToken": str(token), "Idempotency-Key": "session-1"})
    assert accepted.status_code == 202


def test_customer_users_get_404_and_another_partner_401(world, api, samples):
    own = samples["AL-0001"].lens_import
    customer = api("alpha_customer1")
    assert customer.get("/api/v1/lens-imports").status_code == 404
    assert customer.get(f"/api/v1/lens-imports/{own.pk}").status_code == 404
    assert upload(customer).status_code == 404
    beta_on_alpha = ApiClient(world.alpha.primary_domain, make_token(world["beta_admin"]))
    assert beta_on_alpha.get(f"/api/v1/lens-imports/{own.pk}").status_code == 401
    assert upload(beta_on_alpha).status_code == 401


def test_another_partners_job_id_is_not_found(world, api, samples):
    own = samples["AL-0001"].lens_import
    beta = api("beta_admin")
    response = beta.get(f"/api/v1/lens-imports/{own.pk}")
    assert response.status_code == 404
    assert b"AL-0001" not in response.content
    assert beta.get("/api/v1/lens-imports").json() == {"items": [], "next": None}
    refused = upload(beta, site_id="AL-0001")
    assert refused.status_code == 422 and b"Alpha" not in refused.content
