"""The device list sorts by its columns and shares its filters with its CSV export."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.models import Device

from .test_device_pages import add_devices


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))


def serials(client, **params):
    return [device.serial for device, _ in client.get("/devices/", params).context["rows"]]


def test_sorted_by_last_seen_never_seen_last(world, catalogue, alpha_contract):
    add_devices(world, "AL-0001", catalogue["headset"], 3, "HS")
    seen = datetime(2026, 5, 1, tzinfo=timezone.get_current_timezone())
    with tenant_context(world.alpha):
        Device.objects.filter(serial="HS000000").update(last_seen=seen)
        Device.objects.filter(serial="HS000002").update(last_seen=seen + timedelta(days=9))
    client = world["alpha_agent"].client()
    assert serials(client, sort="-last_seen") == ["HS000002", "HS000000", "HS000001"]
    assert serials(client, sort="last_seen") == ["HS000000", "HS000002", "HS000001"]
    assert serials(client, sort="firmware_version") == serials(client)  # not a sort: ignored


def test_the_csv_export_lists_what_the_page_lists(world, catalogue, alpha_contract):
    add_devices(world, "AL-0001", catalogue["headset"], 2, "HS")
    add_devices(world, "AL-0001", catalogue["phone"], 2, "PH")
    add_devices(world, "AL-0001", catalogue["eol"], 1, "EOL", firmware="1.0")
    client = world["alpha_agent"].client()
    for params in ({"coverage": "uncovered"}, {"outdated": "on"}, {"category": "voice"},
                   {"q": "hs0"}):
        listed = serials(client, **params)
        lines = client.get("/devices/", {**params, "format": "csv"}).content.decode()
        exported = [line.split(",")[0] for line in lines.splitlines()[1:]]
        assert sorted(exported) == sorted(listed) and listed, params
