"""Registering several devices from a CSV file: all of them, or none with every error."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory import registration
from inventory.models import Device
from inventory.services import register_device

URL = "/devices/register/bulk/"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))


def csv_file(text, encoding="utf-8"):
    return SimpleUploadedFile("devices.csv", text.encode(encoding), content_type="text/csv")


def serials(world, site_id=None):
    with tenant_context(world.alpha):
        devices = Device.objects.all()
        if site_id:
            devices = devices.filter(customer__site_id=site_id)
        return set(devices.values_list("serial", flat=True))


def test_a_customer_user_registers_several_devices(world, catalogue):
    client = world["alpha_customer1"].client()
    assert client.get(URL).status_code == 200
    other = world.customer(world.alpha, "AL-0002")
    response = client.post(URL, {"customer": other.pk, "file": csv_file(
        "serial,sku,site,room\nhs100001,hs-1,Paris,4.12\nVID100002,VID-1,,\n"
        "HS100003,HS-1,Lyon,\n")}, follow=True)
    assert response.redirect_chain[-1][0] == "/devices/"
    assert "3 devices are registered." in response.content.decode()
    assert serials(world, "AL-0001") == {"HS100001", "VID100002", "HS100003"}
    with tenant_context(world.alpha):
        device = Device.objects.get(serial="HS100001")
        assert (device.site, device.room, device.source) == ("Paris", "4.12", "registered")
        assert device.history.count() == 1
        assert device.history.first().history_user == world["alpha_customer1"].user


def test_staff_choose_the_customer_and_headers_may_vary(world, catalogue):
    other = world.customer(world.alpha, "AL-0002")
    response = world["alpha_agent"].client().post(URL, {"customer": other.pk, "file": csv_file(
        "Room;Product;Serial Number\nBoardroom;PH-1;PH100001\n", encoding="cp1252")})
    assert response.status_code == 302
    assert serials(world, "AL-0002") == {"PH100001"}


def test_one_wrong_line_and_nothing_is_registered_every_error_listed(world, catalogue):
    with tenant_context(world.alpha):
        register_device(customer=world.customer(world.alpha, "AL-0002"), serial="TAKEN0001",
                        sku="HS-1", on_date=date(2026, 6, 1))
        register_device(customer=world.customer(world.alpha, "AL-0001"), serial="MINE00001",
                        sku="HS-1", on_date=date(2026, 6, 1))
    response = world["alpha_customer1"].client().post(URL, {"file": csv_file(
        "serial,model\n"
        "GOOD00001,HS-1\n"      # 2: fine
        "GOOD00002,NOPE-1\n"    # 3: unknown model
        "ITP000001,ITP-1\n"     # 4: quote-only
        "OLD000001,OLD-1\n"     # 5: end of life
        "x,HS-1\n"              # 6: malformed serial
        "good00001,VID-1\n"     # 7: twice in the file
        "TAKEN0001,HS-1\n"      # 8: another customer's
        "MINE00001,HS-1\n")})   # 9: already this customer's
    assert response.status_code == 200
    errors = [(error.line, error.column) for error in response.context["errors"]]
    assert errors == [(3, "model"), (4, "model"), (5, "model"), (6, "serial"),
                      (7, "serial"), (8, "serial"), (9, "serial")]
    messages = {error.line: error.message for error in response.context["errors"]}
    assert "already appears on line 2" in messages[7]
    # A customer user is not told whose it is, nor that it is another customer's.
    assert "cannot be registered" in messages[8] and "another customer" not in messages[8]
    assert "needs a custom quote" in messages[4]
    body = response.content.decode()
    assert "Nothing was registered" in body and "Unknown product model" in body
    assert serials(world, "AL-0001") == {"MINE00001"}


def test_unknown_columns_and_empty_files_are_refused(world, catalogue):
    client = world["alpha_customer1"].client()
    response = client.post(URL, {"file": csv_file("serial,model,colour\nHS100001,HS-1,red\n")})
    assert [(e.line, e.column) for e in response.context["errors"]] == [(1, "colour")]
    response = client.post(URL, {"file": csv_file("serial,model\n")})
    assert "no device rows" in response.context["errors"][0].message
    assert serials(world) == set()


def test_the_number_of_queries_does_not_grow_with_the_file(world, catalogue, query_count_baseline):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")

        def count(rows):
            text = "serial,model\n" + "".join(f"HS{n:07d},HS-1\n" for n in range(rows))
            with query_count_baseline("parse the file") as queries:
                parsed, errors = registration.parse_registration_csv(customer, csv_file(text),
                                                             date(2026, 6, 1))
            assert errors == [] and len(parsed) == rows
            return queries.count

        assert count(10) == count(300)


def test_a_file_over_the_limit_is_refused(world, catalogue, settings):
    settings.DEVICE_REGISTRATION_MAX_BYTES = 20
    response = world["alpha_customer1"].client().post(URL, {"file": csv_file(
        "serial,model\nHS100001,HS-1\n")})
    assert response.status_code == 200
    assert "the limit is 20" in str(response.context["form"].errors["file"])
    assert serials(world) == set()
