"""Advance replacements through the API: requested by serial number, with the promised ship
date and the headset charge decided by the same rules as the replacements page."""

from datetime import UTC, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.models import Device
from portal.catalogue.models import ProductModel
from tickets.models import Rma
from tickets.rma import services as rma_services


def test_a_customer_user_requests_a_replacement_by_serial(world, api, samples):
    response = api("alpha_customer1").post("/api/v1/rmas", {"serial": "al0001hs02",
                                                            "fault": "No sound"})
    assert response.status_code == 201
    data = response.json()
    with tenant_context(world.alpha):
        promised = rma_services.customer_ship_date(samples["AL-0001"].customer)
    assert data["promised_ship_date"] == promised.isoformat()
    assert data["status"] == "requested" and data["chargeable"] is False
    assert data["charge"] is None
    assert data["device"]["serial"] == "AL0001HS02" and data["ticket"]["reference"]
    assert [step["status"] for step in data["steps"]] == ["requested"]
    assert data["headset_rate"]["base"] == 20


def test_beyond_the_headset_allowance_the_replacement_is_chargeable(world, api, samples):
    sample = samples["AL-0001"]
    with tenant_context(world.alpha):
        Rma.objects.filter(pk=sample.rma.pk).update(status=Rma.Status.APPROVED)
    response = api("alpha_agent").post("/api/v1/rmas", {
        "site_id": "AL-0001", "serial": sample.spare.serial, "fault": "Broken boom"})
    assert response.status_code == 201
    data = response.json()
    assert data["chargeable"] is True
    assert data["charge"] == str(ProductModel.objects.get(sku="VOY-TEST").list_price)


def test_refusals_say_why_in_the_serial_field(world, api, samples):
    client = api("alpha_customer1")
    with tenant_context(world.alpha):
        Device.objects.filter(pk=samples["AL-0001"].spare.pk).update(status="retired")
    for serial, words in (("AL0001HS01", "already under way"), ("AL0001HS02", "retired"),
                          ("NOSUCH001", "No device with the serial number"),
                          ("AL0002HS02", "registered to another customer")):
        response = client.post("/api/v1/rmas", {"serial": serial, "fault": "Dead"})
        assert response.status_code == 422, serial
        assert words in response.json()["errors"]["serial"][0], serial


def test_the_same_request_sent_twice_is_refused_naming_the_replacement(world, api, samples):
    client = api("alpha_customer1")
    body = {"serial": "al0001hs02", "fault": "No sound"}
    first = client.post("/api/v1/rmas", body)
    assert first.status_code == 201
    again = client.post("/api/v1/rmas", body)
    assert again.status_code == 422
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["errors"]["serial"] == [
        f"A replacement of this device is already under way: {first.json()['reference']}."]


def test_from_a_ticket_the_customer_is_the_tickets(world, api, samples):
    ticket = samples["AL-0002"].ticket
    response = api("alpha_agent").post("/api/v1/rmas", {
        "ticket_id": ticket.pk, "serial": samples["AL-0002"].spare.serial, "fault": "Dead"})
    assert response.status_code == 201
    assert response.json()["ticket"]["id"] == ticket.pk
    foreign = api("alpha_customer1").post("/api/v1/rmas", {
        "ticket_id": ticket.pk, "serial": "AL0001HS02", "fault": "Dead"})
    assert foreign.status_code == 404


def test_the_list_filters_like_the_replacements_page(world, api, samples):
    with tenant_context(world.alpha):
        Rma.objects.filter(pk=samples["AL-0002"].rma.pk).update(
            chargeable=True, requested_at=timezone.now() - timedelta(days=1))
    client = api("alpha_agent")
    assert [item["id"] for item in client.get("/api/v1/rmas").json()["items"]] == [
        samples["AL-0001"].rma.pk, samples["AL-0002"].rma.pk]
    charged = client.get("/api/v1/rmas", {"chargeable": "yes"}).json()["items"]
    assert [item["id"] for item in charged] == [samples["AL-0002"].rma.pk]
    assert client.get("/api/v1/rmas", {"q": "AL0001HS01"}).json()["items"][0]["id"] == \
        samples["AL-0001"].rma.pk
    assert client.get("/api/v1/rmas", {"status": "nope"}).status_code == 422


def test_the_detail_gives_the_promise_the_charge_and_the_steps(world, api, samples):
    rma = samples["AL-0001"].rma
    data = api("alpha_customer1").get(f"/api/v1/rmas/{rma.pk}").json()
    assert data["reference"] == f"RMA-{rma.pk:06d}"
    assert data["promised_ship_date"] == rma.promised_ship_date.isoformat()
    assert data["chargeable"] is False and data["status"] == "requested"
    assert data["headset_rate"]["threshold_percent"] == "5.0"


def test_the_late_filter_reads_the_promise_in_the_customers_time_zone(world, api, samples,
                                                                       monkeypatch):
    """At 23:30 UTC on 10 March it is already 11 March in Paris: a replacement promised
    for the 10th and not shipped is late there, as the replacements page's "Late only"
    says; one promised for the 11th is not, nor a late one already shipped."""
    from datetime import date, datetime

    from contracts.models import Customer

    clock = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    late, on_time = samples["AL-0001"].rma, samples["AL-0002"].rma
    with tenant_context(world.alpha):
        Customer.objects.filter(pk__in=[late.customer_id, on_time.customer_id]).update(
            time_zone="Europe/Paris")
        Rma.objects.filter(pk=late.pk).update(promised_ship_date=date(2026, 3, 10),
                                              status=Rma.Status.APPROVED)
        Rma.objects.filter(pk=on_time.pk).update(promised_ship_date=date(2026, 3, 11))
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock)
    client = api("alpha_agent")
    listed = client.get("/api/v1/rmas", {"late": "true"}).json()["items"]
    assert [item["id"] for item in listed] == [late.pk]
    everything = client.get("/api/v1/rmas", {"late": "false"}).json()["items"]
    assert {late.pk, on_time.pk} <= {item["id"] for item in everything}
    with tenant_context(world.alpha):
        Rma.objects.filter(pk=late.pk).update(status=Rma.Status.SHIPPED)
    assert client.get("/api/v1/rmas", {"late": "true"}).json()["items"] == []


def test_a_customer_user_sees_only_their_own_late_replacements(world, api, samples):
    past = timezone.localdate() - timedelta(days=10)
    with tenant_context(world.alpha):
        Rma.objects.filter(pk__in=[s.rma.pk for s in samples.values()]).update(
            promised_ship_date=past)
    listed = api("alpha_customer1").get("/api/v1/rmas", {"late": "true"}).json()["items"]
    assert [item["customer"]["site_id"] for item in listed] == ["AL-0001"]
