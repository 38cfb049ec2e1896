"""A Poly Lens export uploaded while Redis is down: the page answers as usual, the import's
page says it waits for a worker (nothing that looks like progress), and once Redis is back a
real worker applies it once."""

import pytest
from django_tenants.utils import tenant_context

from inventory.models import Device, LensImport

from .conftest import back_with_a_worker, post_as, sweep

pytestmark = pytest.mark.fault

EXPORT = ("Device Name,Product,Serial Number,Software Version,Site,Room,MAC Address,"
          "Last Detected\n"
          "Desk 1,VOY-TEST,FAULT-0002,2.0,Paris HQ,4.12,00-04-f2-aa-bb-cc,2026-05-31 14:02\n")


def test_an_export_uploaded_while_redis_is_down_is_applied_once_it_is_back(
        redis_server, portal_env, world, committed_customer, tmp_path):
    env, _mail_dir = portal_env
    export = tmp_path / "lens.csv"
    export.write_text(EXPORT)
    redis_server.stop()

    status, location = post_as(env, "/devices/imports/new/", {
        "customer": committed_customer.pk, "full_export": ""}, files={"file": export})
    assert status == 302
    with tenant_context(world.alpha):
        lens_import = LensImport.objects.get(customer=committed_customer)
    assert location == f"/devices/imports/{lens_import.pk}/"
    assert lens_import.status == LensImport.Status.QUEUED

    page = world["alpha_agent"].client().get(location)
    assert page.status_code == 200
    assert "Waiting for a worker" in page.text
    assert "<progress" not in page.text

    with back_with_a_worker(redis_server, env, tmp_path / "worker.log"):
        with tenant_context(world.alpha):
            lens_import.refresh_from_db()
            assert lens_import.status == LensImport.Status.SUCCEEDED
            assert lens_import.devices_created == 1
            assert Device.objects.filter(serial="FAULT-0002",
                                         customer=committed_customer).exists()
        assert sweep(env) == 0
