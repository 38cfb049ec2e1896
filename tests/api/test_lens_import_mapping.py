"""Poly Lens imports through the API whose file has columns no known name maps to a field:
the job shows them as warnings before anything is applied, and its mapping operation maps
or ignores each and applies the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from inventory.models import Device, LensHeaderMapping, LensImport
from tests.api.conftest import ApiClient, make_token

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

UNKNOWN = ("Serial Number,Product,Firmware-Stand,Site\n"
           "HS100001,HS-1,2.1.0,Paris\nVID100002,VID-1,1.9.3,Paris\n")


def upload(client, text=UNKNOWN):
    return client.upload("/api/v1/lens-imports", {
        "site_id": "AL-0001", "full_export": "false",
        "file": SimpleUploadedFile("lens.csv", text.encode(), content_type="text/csv")})


def firmware(world, tenant=None):
    with tenant_context(tenant or world.alpha):
        return dict(Device.objects.values_list("serial", "firmware_version"))


def test_the_job_warns_of_unknown_columns_and_maps_them_on_request(
        world, api, catalogue, django_capture_on_commit_callbacks):
    client = api("alpha_agent")
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client).json()
    data = client.get(f"/api/v1/lens-imports/{job['id']}").json()
    assert data["status"] == "needs_mapping"
    [warning] = data["warnings"]
    assert warning["header"] == "Firmware-Stand" and warning["samples"] == ["2.1.0", "1.9.3"]
    assert "firmware" in data["mappable_fields"] and "serial" not in data["mappable_fields"]
    assert firmware(world) == {}

    url = f"/api/v1/lens-imports/{job['id']}/mapping"
    response = client.post(url, {"columns": [{"header": "Firmware-Stand", "field": "serial"}]})
    assert response.status_code == 422 and "Firmware-Stand" in response.json()["errors"]
    response = client.post(url, {"columns": [{"header": "Firmware-Stand", "field": "nope"}]})
    assert response.status_code == 422
    assert firmware(world) == {}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"columns": [{"header": "Firmware-Stand",
                                                  "field": "firmware"}]})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    data = client.get(f"/api/v1/lens-imports/{job['id']}").json()
    assert data["status"] == "succeeded" and data["warnings"] == []
    assert firmware(world) == {"HS100001": "2.1.0", "VID100002": "1.9.3"}

    # Remembered: the partner's next file applies at once.
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, UNKNOWN.replace("2.1.0", "2.2.0")).json()
    assert client.get(f"/api/v1/lens-imports/{job['id']}").json()["status"] == "succeeded"
    assert firmware(world)["HS100001"] == "2.2.0"
    # ... and answering again is refused: the import no longer waits.
    response = client.post(url, {"columns": [{"header": "Firmware-Stand", "field": None}]})
    assert response.status_code == 422


def test_a_column_ignored_through_the_api(world, api, catalogue,
                                         django_capture_on_commit_callbacks):
    client = api("alpha_admin")
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/lens-imports/{job['id']}/mapping",
                               {"columns": [{"header": "Firmware-Stand", "field": None}]})
    assert response.status_code == 202
    assert client.get(f"/api/v1/lens-imports/{job['id']}").json()["status"] == "succeeded"
    assert firmware(world) == {"HS100001": "", "VID100002": ""}
    with tenant_context(world.alpha):
        assert LensHeaderMapping.objects.get().ignored


def test_other_partners_and_customer_users_cannot_map(world, api, catalogue,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(api("alpha_agent")).json()
    body = {"columns": [{"header": "Firmware-Stand", "field": "firmware"}]}
    url = f"/api/v1/lens-imports/{job['id']}/mapping"
    assert api("alpha_customer1").post(url, body).status_code == 404
    beta = ApiClient(world.beta.primary_domain, make_token(world["beta_admin"]))
    assert beta.post(url, body).status_code == 404
    assert ApiClient(world.alpha.primary_domain,
                     make_token(world["beta_admin"])).post(url, body).status_code == 401
    with tenant_context(world.alpha):
        assert LensImport.objects.get(pk=job["id"]).status == "needs_mapping"
        assert not LensHeaderMapping.objects.exists()
    assert firmware(world) == {}


def test_the_mapping_operation_is_described(world):
    from portal.site.api import api as portal_api

    schema = portal_api.get_openapi_schema(path_prefix="/api/v1/")
    operation = schema["paths"]["/api/v1/lens-imports/{lens_import_id}/mapping"]["post"]
    assert operation["operationId"] == "map_lens_import_headers"
    assert "needs_mapping" in operation["description"]
