"""The events a partner's tools hear of devices, quote decisions and escalations: each sent
once, through the path a person takes, to a real receiver; none for a rolled-back change."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory import services as inventory
from portal.webhooks import services
from portal.webhooks.models import Delivery, Event
from reporting import services as reporting
from tests.api.conftest import ApiClient, make_token
from tests.reporting.conftest import OCTOBER
from tickets import services as tickets
from tickets.rma import services as rmas


@pytest.fixture
def heard(world, receiver):
    """A receiver subscribed to every event of Alpha; heard() → [(event, data)] received."""
    server = receiver()
    with tenant_context(world.alpha):
        endpoint = services.create_endpoint(url=server.url, events=Event.values)

    def received():
        return [(headers["X-Portal-Event"], json.loads(body)["data"])
                for headers, body in server.requests]
    received.server, received.endpoint = server, endpoint
    return received


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))


def csv_file(text, name="devices.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_device_registered_on_the_page_is_announced(
        world, heard, catalogue, alpha_contract, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = world["alpha_customer1"].client().post("/devices/register/", {
            "serial": "HS900001", "model": "HS-1", "site": "Paris HQ", "room": "4.12"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        device = inventory.Device.objects.get(serial="HS900001")
    assert heard() == [("device.registered", {"site_id": "AL-0001", "devices": [{
        "id": device.pk, "serial": "HS900001", "sku": "HS-1", "category": "headsets",
        "site": "Paris HQ", "room": "4.12", "status": "active", "source": "registered"}]})]


def test_a_bulk_registration_sends_its_devices_in_events_of_a_bounded_size(
        world, heard, catalogue, today, django_capture_on_commit_callbacks):
    with override_settings(WEBHOOK_DEVICES_PER_EVENT=2), \
            django_capture_on_commit_callbacks(execute=True):
        response = world["alpha_customer1"].client().post("/devices/register/bulk/", {
            "file": csv_file("serial,sku,site,room\nHS100001,HS-1,Paris,4.12\n"
                             "VID100002,VID-1,,\nHS100003,HS-1,Lyon,\n")})
    assert response.status_code == 302
    events = heard()
    assert [event for event, _ in events] == ["device.registered"] * 2
    assert [[device["serial"] for device in data["devices"]] for _, data in events] == [
        ["HS100001", "VID100002"], ["HS100003"]]
    assert {data["site_id"] for _, data in events} == {"AL-0001"}


def test_a_device_registered_through_the_api_is_announced(
        world, heard, catalogue, alpha_contract, today, django_capture_on_commit_callbacks):
    person = world["alpha_agent"]
    client = ApiClient(person.host, make_token(person))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/devices", {"site_id": "AL-0001",
                                                    "serial": "VID900001", "model": "VID-1"})
    assert response.status_code == 201
    [(event, data)] = heard()
    assert event == "device.registered"
    assert [device["serial"] for device in data["devices"]] == ["VID900001"]
    assert data["devices"][0]["id"] == response.json()["id"]


LENS = "Serial Number,Product,Site,Last Detected\n"


def upload_lens(client, text):
    return client.upload("/api/v1/lens-imports", {
        "site_id": "AL-0001", "full_export": "true", "file": csv_file(text, "lens.csv")})


@override_settings(LENS_IMPORT_REVIEW_SHARE=Decimal("1"))
def test_an_applied_lens_import_sends_one_event_listing_what_changed(
        world, heard, catalogue, django_capture_on_commit_callbacks):
    person = world["alpha_agent"]
    client = ApiClient(person.host, make_token(person))
    with django_capture_on_commit_callbacks(execute=True):
        first = upload_lens(client, LENS + "HS100001,HS-1,Paris,2026-05-01 10:00\n"
                                           "VID100001,VID-1,Paris,2026-05-01 10:00\n").json()
    with django_capture_on_commit_callbacks(execute=True):
        second = upload_lens(client, LENS + "HS100001,HS-1,Lyon,2026-06-01 10:00\n"
                                            "PH100001,PH-1,,2026-06-01 10:00\n").json()
    with django_capture_on_commit_callbacks(execute=True):
        upload_lens(client, LENS + "HS100001,HS-1,Lyon,2026-06-02 10:00\n"
                                   "PH100001,PH-1,,2026-06-02 10:00\n")  # nothing changes
    assert heard() == [
        ("device.changed", {
            "site_id": "AL-0001", "change": "lens_import", "lens_import_id": first["id"],
            "full_export": True, "counts": {"added": 2, "updated": 0, "not_seen": 0},
            "serials": {"added": ["HS100001", "VID100001"], "updated": [], "not_seen": []},
            "truncated": False}),
        ("device.changed", {
            "site_id": "AL-0001", "change": "lens_import", "lens_import_id": second["id"],
            "full_export": True, "counts": {"added": 1, "updated": 1, "not_seen": 1},
            "serials": {"added": ["PH100001"], "updated": ["HS100001"],
                        "not_seen": ["VID100001"]},
            "truncated": False}),
    ]


@override_settings(WEBHOOK_DEVICES_PER_EVENT=2)
def test_a_large_lens_import_lists_a_bounded_number_of_serials(
        world, heard, catalogue, django_capture_on_commit_callbacks):
    person = world["alpha_agent"]
    rows = "".join(f"HS10000{index},HS-1,,\n" for index in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        upload_lens(ApiClient(person.host, make_token(person)), LENS + rows)
    [(_, data)] = heard()
    assert data["counts"]["added"] == 5
    assert data["serials"]["added"] == ["HS100000", "HS100001"]
    assert data["truncated"] is True


def test_a_shipped_replacement_announces_the_replaced_device(
        world, heard, setup, django_capture_on_commit_callbacks):
    with tenant_context(world.alpha):
        setup["device"]("HS-0001")
        rma = rmas.request_rma(user=setup["user"], customer=setup["customer"],
                               serial="HS-0001", fault="Does not charge")
        rma = rmas.advance(rma, "approved", user=setup["agent"])
        with django_capture_on_commit_callbacks(execute=True):
            rmas.advance(rma, "shipped", user=setup["agent"], carrier="DHL",
                         tracking_number="JD0001", replacement_serial="HS-9001")
    changed = [data for event, data in heard() if event == "device.changed"]
    assert changed == [{
        "site_id": "AL-0001", "change": "replaced",
        "rma": {"id": rma.pk, "reference": rma.reference},
        "counts": {"replaced": 1, "added": 1},
        "serials": {"replaced": ["HS-0001"], "added": ["HS-9001"]}, "truncated": False}]


def issued(reported, world):
    report = reporting.generate_report(reported["customer"], OCTOBER)
    return reporting.issue_quote(report, world["csm"].user, notify=False)


def test_accepting_a_quote_on_the_page_is_announced(world, heard, reported,
                                                    django_capture_on_commit_callbacks):
    quote = issued(reported, world)
    heard.server.requests.clear()  # true_up.quoted
    with django_capture_on_commit_callbacks(execute=True):
        response = world["alpha_admin"].client().post(
            f"/reports/quotes/{quote.pk}/decide/", {"action": "accept", "confirmed": "yes",
                                                    "po_number": "PO-4711"})
    assert response.status_code == 302, response
    [(event, data)] = heard()
    assert event == "true_up.accepted"
    assert (data["id"], data["reference"], data["site_id"], data["status"],
            data["po_number"]) == (quote.pk, quote.reference, "AL-0001", "accepted",
                                   "PO-4711")
    assert data["decided_at"] and data["lines"]


def test_declining_a_quote_is_announced(world, heard, reported,
                                        django_capture_on_commit_callbacks):
    quote = issued(reported, world)
    heard.server.requests.clear()
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        reporting.decline_quote(quote, world["alpha_admin"].user, "Devices are retired")
    [(event, data)] = heard()
    assert event == "true_up.declined"
    assert (data["reference"], data["status"], data["decline_reason"]) == (
        quote.reference, "declined", "Devices are retired")


def test_escalating_a_ticket_is_announced_without_its_reason(
        world, heard, django_capture_on_commit_callbacks):
    with tenant_context(world.alpha):
        ticket = tickets.open_ticket(
            user=world["alpha_agent"].user, customer=world.customer(world.alpha, "AL-0001"),
            subject="Room down", description="No video", category="technical",
            priority="P2")
    heard.server.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = world["alpha_agent"].client().post(
            f"/tickets/{ticket.pk}/update/", {"level": "vendor",
                                              "reason": "SECRET firmware crash"})
    assert response.status_code == 302
    [(event, data)] = [(event, data) for event, data in heard()
                       if event == "ticket.escalated"]
    assert (data["id"], data["reference"], data["site_id"], data["escalation_level"],
            data["from_level"]) == (ticket.pk, ticket.reference, "AL-0001", "vendor",
                                    "partner")
    assert data["escalated_at"]
    assert all(b"SECRET" not in body for _, body in heard.server.requests)


def test_a_rolled_back_change_is_never_announced(
        world, heard, catalogue, alpha_contract, today, django_capture_on_commit_callbacks):
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            inventory.register_device(customer=world.customer(world.alpha, "AL-0001"),
                                      serial="HS900009", sku="HS-1")
            raise RuntimeError("the caller's transaction fails after the registration")
        assert not Delivery.objects.exists()
        assert not inventory.Device.objects.filter(serial="HS900009").exists()
    assert heard() == []


def test_another_partner_hears_nothing_of_alphas_devices(
        world, receiver, catalogue, alpha_contract, today, django_capture_on_commit_callbacks):
    server = receiver()
    with tenant_context(world.beta):
        services.create_endpoint(url=server.url, events=Event.values)
    with django_capture_on_commit_callbacks(execute=True):
        world["alpha_customer1"].client().post("/devices/register/", {
            "serial": "HS900002", "model": "HS-1"})
    assert server.requests == []


def test_a_rolled_back_quote_decision_is_never_announced(
        world, heard, reported, django_capture_on_commit_callbacks):
    quote = issued(reported, world)
    heard.server.requests.clear()
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            reporting.accept_quote(quote, world["alpha_admin"].user, "PO-4711")
            raise RuntimeError("the caller's transaction fails after the decision")
        assert not Delivery.objects.filter(event="true_up.accepted").exists()
    assert heard() == []
