"""An import whose worker stopped under it, and that no worker finished however often it
was handed over, ends failed with its reason; its uploader or the partner administrator
queue the same stored file again with Retry. One waiting longer than a task's lease says
since when."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.lens import jobs
from inventory.models import Device, LensImport
from portal.outbox import services as outbox
from portal.outbox.models import PendingTask
from portal.users.models import User

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

GOOD_FILE = (b"Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,"
             b"Last Detected\na,HS-1,HS100001,,,,,\n")
REASON = "The worker processing this import stopped; nothing was applied."


def abandoned_import(world, settings, uploaded_by="agent@alpha.example"):
    """An import left running by a lost worker, its task handed over as often as allowed."""
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(
            customer=world.customer(world.alpha, "AL-0001"),
            upload=ContentFile(GOOD_FILE), filename="lens.csv",
            uploaded_by=User.objects.get(email=uploaded_by))
        LensImport.objects.filter(pk=lens_import.pk).update(status=LensImport.Status.RUNNING)
        PendingTask.objects.create(
            schema_name=world.alpha.schema_name, task="inventory.tasks.run_lens_import",
            args=[lens_import.pk], handovers=settings.OUTBOX_MAX_HANDOVERS,
            lease_until=timezone.now() - timedelta(seconds=1))
    return lens_import


def retry_button(lens_import):
    return f'action="/devices/imports/{lens_import.pk}/retry/"'


def test_an_import_nobody_finishes_ends_failed_with_its_reason(world, settings, catalogue):
    lens_import = abandoned_import(world, settings)
    outbox.sweep()
    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
    assert lens_import.status == LensImport.Status.FAILED and lens_import.can_retry
    assert lens_import.errors[0]["message"].startswith(REASON)

    page = world["alpha_agent"].client().get(f"/devices/imports/{lens_import.pk}/").content.decode()
    assert REASON in page and retry_button(lens_import) in page
    assert "Running" not in page and "hx-get" not in page
    assert "Correct this error" not in page


def test_retry_queues_the_same_file_again_and_applies_it(world, settings, catalogue,
                                                         django_capture_on_commit_callbacks):
    lens_import = abandoned_import(world, settings)
    outbox.sweep()
    client = world["alpha_agent"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/devices/imports/{lens_import.pk}/retry/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The import is queued again." in page and "Imported" in page
    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
        assert Device.objects.filter(serial="HS100001").count() == 1
    assert (lens_import.status, lens_import.devices_created) == (LensImport.Status.SUCCEEDED, 1)
    # Done: no second Retry.
    assert world["alpha_agent"].client().post(
        f"/devices/imports/{lens_import.pk}/retry/").status_code == 302
    with tenant_context(world.alpha):
        assert Device.objects.count() == 1


def test_the_partner_administrator_may_retry_anothers_import(world, settings, catalogue):
    lens_import = abandoned_import(world, settings)
    outbox.sweep()
    page = world["alpha_admin"].client().get(f"/devices/imports/{lens_import.pk}/").content.decode()
    assert retry_button(lens_import) in page
    assert world["alpha_admin"].client().post(
        f"/devices/imports/{lens_import.pk}/retry/").status_code == 302
    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
    assert lens_import.status == LensImport.Status.QUEUED


def test_another_agent_another_partner_and_a_customer_user_cannot_retry(world, settings,
                                                                        catalogue):
    lens_import = abandoned_import(world, settings, uploaded_by="admin@alpha.example")
    outbox.sweep()
    page = world["alpha_agent"].client().get(f"/devices/imports/{lens_import.pk}/").content.decode()
    assert REASON in page and retry_button(lens_import) not in page
    for persona in ("alpha_agent", "beta_admin", "alpha_customer1"):
        response = world[persona].client().post(f"/devices/imports/{lens_import.pk}/retry/")
        assert response.status_code == 404, persona
    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
    assert lens_import.status == LensImport.Status.FAILED


def test_a_file_with_errors_offers_no_retry(world, catalogue):
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                         upload=ContentFile(b"Site\nParis\n"), filename="x.csv")
        jobs._update(lens_import, status=LensImport.Status.RUNNING)
        jobs.process_import(lens_import)
    client = world["alpha_admin"].client()
    page = client.get(f"/devices/imports/{lens_import.pk}/").content.decode()
    assert "Correct these 2 errors" in page and retry_button(lens_import) not in page
    assert client.post(f"/devices/imports/{lens_import.pk}/retry/").status_code == 302
    with tenant_context(world.alpha):
        lens_import.refresh_from_db()
    assert lens_import.status == LensImport.Status.FAILED


def test_an_import_waiting_longer_than_the_lease_says_since_when(world, settings, catalogue):
    settings.OUTBOX_LEASE_SECONDS = 300
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(customer=world.customer(world.alpha, "AL-0001"),
                                         upload=ContentFile(b"x"), filename="x.csv")
    client = world["alpha_agent"].client()
    assert "Waiting for a worker since" not in client.get(
        f"/devices/imports/{lens_import.pk}/").content.decode()
    with tenant_context(world.alpha):
        LensImport.objects.filter(pk=lens_import.pk).update(
            queued_at=timezone.now() - timedelta(minutes=6))
    page = client.get(f"/devices/imports/{lens_import.pk}/").content.decode()
    assert "Waiting for a worker since" in page and "6\xa0minutes" in page
