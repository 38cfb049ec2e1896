"""The Poly Lens import pages: upload, progress, outcome, and who may see them."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from inventory.lens import jobs
from inventory.models import Device, LensImport

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

HEADER = "Serial Number,Product,Site,Last Detected\n"


def upload(text, name="lens-export.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post_import(client, world, text, site_id="AL-0001", **extra):
    customer = world.customer(world.alpha, site_id)
    return client.post("/devices/imports/new/", {"customer": customer.pk,
                                                 "file": upload(text), **extra})


def test_staff_upload_and_are_sent_to_the_import_page_at_once(
        world, catalogue, django_capture_on_commit_callbacks):
    client = world["alpha_agent"].client()
    assert client.get("/devices/imports/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_import(client, world, HEADER + "HS100001,HS-1,Paris,\n",
                               full_export="on")
    assert response.status_code == 302
    with tenant_context(world.alpha):
        lens_import = LensImport.objects.get()
        assert response["Location"] == f"/devices/imports/{lens_import.pk}/"
        assert lens_import.status == LensImport.Status.QUEUED  # the task is not run yet
        assert lens_import.uploaded_by == world["alpha_agent"].user
        assert lens_import.original_filename == "lens-export.csv"
        assert lens_import.file.name.startswith("lens-imports/")
        assert "lens-export" not in lens_import.file.name
        assert lens_import.full_export
    assert len(callbacks) == 1

    page = client.get(response["Location"]).content.decode()
    # Polling, but no bar while no worker has it: nothing has happened yet.
    assert 'hx-trigger="every 1s"' in page and "<progress" not in page
    assert "Waiting for a worker." in page


def test_the_import_runs_and_its_page_shows_the_counts(
        world, catalogue, django_capture_on_commit_callbacks):
    client = world["alpha_admin"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, world,
                               HEADER + "HS100001,HS-1,Paris,\nVID100001,VID-1,,\n",
                               full_export="on")
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.context["lens_import"].status == LensImport.Status.SUCCEEDED
    assert "hx-get" not in body  # done: no more polling
    assert "Devices added" in body and "Installed base on" in body
    counts = {c.category: c.total for c in page.context["counts"]}
    assert counts == {"headsets": 1, "video": 1, "voice": 0}
    with tenant_context(world.alpha):
        assert Device.objects.filter(source=Device.Source.LENS).count() == 2
    listing = client.get("/devices/imports/").content.decode()
    assert "lens-export.csv" in listing and "2 added, 0 updated" in listing


def test_a_failed_import_lists_every_error_with_its_line(
        world, catalogue, django_capture_on_commit_callbacks):
    client = world["alpha_agent"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(client, world, HEADER + "HS100001,HS-1,,\n"
                               "HS100002,NOPE,,\nbad serial!,HS-1,,yesterday\n")
    body = client.get(response["Location"]).content.decode()
    assert "Nothing was imported." in body
    assert body.count("<tr><td>3</td>") == 1 and body.count("<tr><td>4</td>") == 2
    assert "Unknown product model “NOPE”." in body
    with tenant_context(world.alpha):
        assert not Device.objects.exists()


def test_the_progress_partial_answers_htmx(world, catalogue):
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                         upload=ContentFile(b"x"), filename="big.csv")
        LensImport.objects.filter(pk=lens_import.pk).update(
            status=LensImport.Status.RUNNING, total_rows=100_000, processed_rows=25_000)
    client = world["alpha_agent"].client()
    url = f"/devices/imports/{lens_import.pk}/"
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates] == [
        "inventory/partials/lens_import_progress.html",
        "inventory/partials/lens_import_status.html"]
    body = response.content.decode()
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 1s"' in body
    assert "25000 of 100000 rows checked." in body and 'value="22"' in body
    assert "<html" not in body

    with tenant_context(world.alpha):
        LensImport.objects.filter(pk=lens_import.pk).update(status=LensImport.Status.FAILED)
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in body and "Nothing was imported." in body


def test_another_partners_import_and_customer_users_get_404(world, catalogue):
    with tenant_context(world.beta):
        theirs = jobs.create_import(customer=world.customer(world.beta, "BE-0001"),
                                    upload=ContentFile(b"x"), filename="beta.csv")
    with tenant_context(world.alpha):
        assert not LensImport.objects.filter(pk=theirs.pk).exists()
        ours = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                  upload=ContentFile(b"x"), filename="alpha.csv")
    agent = world["alpha_agent"].client()
    if theirs.pk != ours.pk:
        assert agent.get(f"/devices/imports/{theirs.pk}/").status_code == 404
    assert agent.get("/devices/imports/999999/").status_code == 404
    assert agent.get(f"/devices/imports/{ours.pk}/").status_code == 200
    assert "beta.csv" not in agent.get("/devices/imports/").content.decode()
    customer_user = world["alpha_customer1"].client()
    for url in ("/devices/imports/", "/devices/imports/new/", f"/devices/imports/{ours.pk}/"):
        assert customer_user.get(url).status_code == 404
    response = customer_user.post("/devices/imports/new/", {
        "customer": world.customer(world.alpha, "AL-0001").pk, "file": upload(HEADER)})
    assert response.status_code == 404


def test_staff_choose_only_customers_of_their_partner(world, catalogue):
    beta_customer = world.customer(world.beta, "BE-0001")
    with tenant_context(world.alpha):
        alpha_ids = set(LensImport.objects.values_list("customer_id", flat=True))
    response = world["alpha_agent"].client().post("/devices/imports/new/", {
        "customer": beta_customer.pk + 1000, "file": upload(HEADER)})
    assert response.status_code == 200 and "customer" in response.context["form"].errors
    with tenant_context(world.alpha):
        assert set(LensImport.objects.values_list("customer_id", flat=True)) == alpha_ids


def test_a_file_over_the_limit_is_refused_on_the_form(world, catalogue, settings):
    settings.LENS_IMPORT_MAX_BYTES = 100
    response = post_import(world["alpha_agent"].client(), world,
                           HEADER + "HS100001,HS-1,Paris,\n" * 10)
    assert response.status_code == 200
    assert "the limit is 100" in str(response.context["form"].errors["file"])
    with tenant_context(world.alpha):
        assert not LensImport.objects.exists()


def test_the_device_list_links_to_the_imports_for_staff_only(world):
    assert 'href="/devices/imports/"' in world["alpha_agent"].client().get(
        "/devices/").content.decode()
    assert 'href="/devices/imports/"' not in world["alpha_customer1"].client().get(
        "/devices/").content.decode()
