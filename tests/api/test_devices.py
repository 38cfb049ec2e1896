"""Devices through the API: the device list's own filters, detail with coverage, and
registration with the registration page's checks."""

from datetime import date

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.models import Device
from portal.catalogue.models import ProductModel


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))


@pytest.fixture
def base(world, catalogue, alpha_contract):
    """AL-0001 (headsets and video covered) and AL-0002 (no contract) with a mix."""
    rows = [("AL-0001", "HS100001", "headset", "2.0"), ("AL-0001", "HS100002", "headset", "1.0"),
            ("AL-0001", "VID10001", "video", "2.0"), ("AL-0001", "PH100001", "phone", "2.0"),
            ("AL-0001", "OLD10001", "eol", "2.0"), ("AL-0002", "HS200001", "headset", "2.0")]
    with tenant_context(world.alpha):
        for site_id, serial, kind, firmware in rows:
            # Direct: the mix includes an end-of-life model, which registration refuses.
            Device.objects.create(serial=serial, product_model=catalogue[kind],
                                  customer=world.customer(world.alpha, site_id),
                                  firmware_version=firmware, mac_address="00:04:F2:AB:CD:EF"
                                  if serial == "VID10001" else "")
        Device.objects.filter(serial="PH100001").update(status=Device.Status.RETIRED)


FILTERS = [{}, {"q": "hs1"}, {"q": "00-04-f2"}, {"category": "video"},
           {"coverage": "covered"}, {"coverage": "uncovered"}, {"status": "retired"},
           {"outdated": "true"}, {"end_of_life": "true"},
           {"category": "headsets", "coverage": "covered"}]


@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer2"])
def test_the_api_lists_what_the_device_page_lists(world, api, base, persona):
    page_client, client = world[persona].client(), api(persona)
    for filters in FILTERS:
        page = page_client.get("/devices/", {k: "on" if v == "true" else v
                                             for k, v in filters.items()})
        expected = [device.serial for device in page.context["page"].object_list]
        got = [item["serial"] for item in client.get("/api/v1/devices", filters).json()["items"]]
        assert got == sorted(expected), filters


def test_a_filter_value_the_page_would_refuse_is_a_422(world, api, base):
    response = api("alpha_agent").get("/api/v1/devices", {"category": "toasters"})
    assert response.status_code == 422
    assert response.json()["errors"]["category"] == [
        "Select a valid choice. toasters is not one of the available choices."]


def test_a_device_says_whether_it_is_covered_and_why_not(world, api, base):
    client = api("alpha_agent")
    with tenant_context(world.alpha):
        covered = Device.objects.get(serial="HS100001").pk
        eol = Device.objects.get(serial="OLD10001").pk
    assert client.get(f"/api/v1/devices/{covered}").json()["coverage"] == {
        "covered": True, "reasons": [], "messages": []}
    data = client.get(f"/api/v1/devices/{eol}").json()
    assert data["coverage"]["covered"] is False
    assert data["coverage"]["reasons"] == ["end_of_life"]
    assert data["coverage"]["messages"] == ["The product has reached its end of life."]
    assert data["customer"]["site_id"] == "AL-0001" and data["sku"] == "OLD-1"


def test_a_customer_user_registers_a_device_of_their_own(world, api, catalogue,
                                                         alpha_contract):
    response = api("alpha_customer1").post("/api/v1/devices", {
        "site_id": "AL-0002", "serial": "hs 900001", "model": "hs-1", "site": "Paris HQ"})
    assert response.status_code == 201
    data = response.json()
    assert data["serial"] == "HS900001" and data["customer"]["site_id"] == "AL-0001"
    assert data["coverage"]["covered"] is True and data["site"] == "Paris HQ"


def test_staff_register_for_a_customer_by_site_id(world, api, catalogue):
    response = api("alpha_agent").post("/api/v1/devices", {
        "site_id": "al-0002", "serial": "HS900002", "model": "HS-1"})
    assert response.status_code == 201
    assert response.json()["customer"]["site_id"] == "AL-0002"
    missing = api("alpha_agent").post("/api/v1/devices", {"serial": "HS900003",
                                                          "model": "HS-1"})
    assert missing.status_code == 422 and "site_id" in missing.json()["errors"]
    unknown = api("alpha_agent").post("/api/v1/devices", {"site_id": "BE-0001",
                                                          "serial": "HS900003", "model": "HS-1"})
    assert unknown.status_code == 422 and "site_id" in unknown.json()["errors"]


def test_registration_refusals_come_from_the_registration_rules(world, api, catalogue, base):
    client = api("alpha_customer1")
    cases = [({"serial": "HS100001", "model": "HS-1"}, "serial",
              "This serial number is already registered to this customer."),
             # A customer user is not told that it is another customer's.
             ({"serial": "HS200001", "model": "HS-1"}, "serial",
              "This serial number cannot be registered. Contact support if the device is "
              "yours."),
             ({"serial": "ITP900001", "model": "ITP-1"}, "model",
              "Itp-1 needs a custom quote: it is not part of the standard programme."),
             ({"serial": "X!", "model": "NOPE"}, "model", "Unknown product model “NOPE”.")]
    for body, field, message in cases:
        response = client.post("/api/v1/devices", body)
        assert response.status_code == 422, body
        assert message in response.json()["errors"][field], body
    with tenant_context(world.alpha):
        assert not Device.objects.filter(serial__in=["ITP900001", "X!"]).exists()
        assert ProductModel.objects.filter(sku="ITP-1").exists()


# --- Bulk registration ----------------------------------------------------------------------

def test_several_devices_are_registered_in_one_request(world, api, catalogue, alpha_contract):
    response = api("alpha_agent").post("/api/v1/devices/bulk", {
        "site_id": "al-0001", "devices": [
            {"serial": "hs 700001", "model": "hs-1", "site": "Paris", "room": "4.01"},
            {"serial": "HS700002", "model": "HS-1"}]})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["registered"] == 2
    assert [(item["serial"], item["site"]) for item in data["items"]] == [
        ("HS700001", "Paris"), ("HS700002", "")]
    assert all(item["coverage"]["covered"] for item in data["items"])


def test_bulk_registration_is_all_or_nothing_with_every_error_by_position(
        world, api, catalogue, base):
    response = api("alpha_customer1").post("/api/v1/devices/bulk", {"devices": [
        {"serial": "HS700010", "model": "HS-1"},
        {"serial": "HS100001", "model": "HS-1"},   # already registered here
        {"serial": "HS200001", "model": "HS-1"},   # another customer's
        {"serial": "HS700011", "model": "NOPE"},
        {"serial": "HS700010", "model": "HS-1"},   # twice in the list
        {"serial": "HS700012", "model": "HS-1", "room": "x" * 121}]})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"devices.1.serial", "devices.2.serial", "devices.3.model",
                           "devices.4.serial", "devices.5.room"}
    assert errors["devices.4.serial"] == [
        "The serial number HS700010 already appears in item 0."]
    # A customer user is not told whose the serial is.
    assert errors["devices.2.serial"] == [
        "This serial number cannot be registered. Contact support if the device is yours."]
    with tenant_context(world.alpha):
        assert not Device.objects.filter(serial__startswith="HS7000").exists()


def test_bulk_registration_names_a_known_customer_and_a_sane_size(world, api, catalogue):
    client = api("alpha_agent")
    unknown = client.post("/api/v1/devices/bulk", {
        "site_id": "BE-0001", "devices": [{"serial": "HS700020", "model": "HS-1"}]})
    assert unknown.status_code == 422 and "site_id" in unknown.json()["errors"]
    empty = client.post("/api/v1/devices/bulk", {"site_id": "AL-0001", "devices": []})
    assert empty.status_code == 422 and "devices" in empty.json()["errors"]
    too_many = client.post("/api/v1/devices/bulk", {"site_id": "AL-0001", "devices": [
        {"serial": f"HS8{index:05d}", "model": "HS-1"} for index in range(1001)]})
    assert too_many.status_code == 422


def test_bulk_rows_are_read_like_the_registration_form(world, api, catalogue):
    response = api("alpha_agent").post("/api/v1/devices/bulk", {
        "site_id": "AL-0001", "devices": [{"serial": "HS\x00700030", "model": "HS-1"},
                                          {"serial": "", "model": "HS-1"},
                                          {"serial": "S" * 61, "model": "HS-1"}]})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"devices.0.serial", "devices.1.serial",
                                              "devices.2.serial"}
