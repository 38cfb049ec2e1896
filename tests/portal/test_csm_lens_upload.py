import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from inventory.lens.export import export_bytes
from inventory.models import Device, LensImport
from tests.portal.test_csm_assignments import assign

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage


def export_file(site_id, rows=25):
    return SimpleUploadedFile("lens.csv", export_bytes(rows, site_id=site_id, seed=3),
                              content_type="text/csv")


def test_the_assigned_csm_uploads_a_lens_export(world, django_capture_on_commit_callbacks):
    customer = assign(world, world.alpha, "AL-0001", "csm")
    client = world["csm"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/customers/alpha/{customer.pk}/lens/",
                               {"file": export_file("AL-0001"), "full_export": "on"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        lens_import = LensImport.objects.get(customer=customer)
        assert lens_import.status == LensImport.Status.SUCCEEDED
        assert lens_import.uploaded_by_csm == "csm@vendor.example"
        serials = list(Device.objects.filter(customer=customer).values_list("serial",
                                                                            flat=True))
        assert len(serials) == 25
    with tenant_context(world.beta):
        assert not Device.objects.filter(serial__in=serials).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"25" in page.content
    assert client.get(response["Location"], HTTP_HX_REQUEST="true").status_code == 200


def test_a_customer_not_assigned_to_the_csm_is_404(world):
    assign(world, world.alpha, "AL-0001", "csm")
    other = world.customer(world.alpha, "AL-0002")
    client = world["csm"].client()
    assert client.get(f"/customers/alpha/{other.pk}/lens/").status_code == 404
    response = client.post(f"/customers/alpha/{other.pk}/lens/",
                           {"file": export_file("AL-0002"), "full_export": "on"})
    assert response.status_code == 404
    with tenant_context(world.alpha):
        assert not LensImport.objects.exists()


def test_an_import_of_another_customer_cannot_be_guessed(world, django_capture_on_commit_callbacks):
    mine = assign(world, world.alpha, "AL-0001", "csm")
    other = world.customer(world.alpha, "AL-0002")
    with tenant_context(world.alpha):
        from inventory.lens import jobs

        foreign = jobs.create_import(customer=other, upload=export_file("AL-0002"),
                                     filename="x.csv")
    client = world["csm"].client()
    assert client.get(f"/customers/alpha/{mine.pk}/lens/{foreign.pk}/").status_code == 404
    assert client.get(f"/customers/alpha/{other.pk}/lens/{foreign.pk}/").status_code == 404
    assert client.get(f"/customers/beta/{mine.pk}/lens/{foreign.pk}/").status_code == 404


def test_only_csms_upload_from_the_console(world):
    customer = assign(world, world.alpha, "AL-0001", "csm")
    for persona in ("vendor_admin", "support_engineer"):
        response = world[persona].client().get(f"/customers/alpha/{customer.pk}/lens/")
        assert response.status_code == 404
