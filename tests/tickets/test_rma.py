"""Advance hardware replacement (SPEC §8): next business day, the headset threshold, serial
refusals, the lifecycle and who may see what."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django_tenants.utils import tenant_context

from contracts.models import BaselineEntry, Contract
from inventory.models import Device
from tests.factories import DeviceFactory
from tickets.models import Rma, Ticket
from tickets.rma import services as rma_services

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


# --- Next business day ------------------------------------------------------------------

@pytest.mark.parametrize("requested,country,zone,promised", [
    # Friday before the 15:00 cut-off: Monday; after it: one more business day.
    (at(PARIS, 2026, 11, 27, 14, 59), "FR", "Europe/Paris", date(2026, 11, 30)),
    (at(PARIS, 2026, 11, 27, 15, 0), "FR", "Europe/Paris", date(2026, 12, 1)),
    # Saturday, morning or evening: as if requested on Monday, so Tuesday, never before
    # what Friday after the cut-off is promised.
    (at(PARIS, 2026, 11, 28, 10, 0), "FR", "Europe/Paris", date(2026, 12, 1)),
    (at(PARIS, 2026, 11, 28, 20, 0), "FR", "Europe/Paris", date(2026, 12, 1)),
    # Monday before the cut-off: Tuesday too.
    (at(PARIS, 2026, 11, 30, 9, 0), "FR", "Europe/Paris", date(2026, 12, 1)),
    # The evening of 13 July: as if requested on the 15th (the 14th is a holiday), so the 16th.
    (at(PARIS, 2026, 7, 13, 18, 0), "FR", "Europe/Paris", date(2026, 7, 16)),
    # On 14 July itself: as if requested on the 15th.
    (at(PARIS, 2026, 7, 14, 10, 0), "FR", "Europe/Paris", date(2026, 7, 16)),
    # The eve of 14 July in France: the holiday is skipped.
    (at(PARIS, 2026, 7, 13, 10, 0), "FR", "Europe/Paris", date(2026, 7, 15)),
    # The eve of 1 May (a Friday) in Germany: Monday 4 May.
    (at(BERLIN, 2026, 4, 30, 10, 0), "DE", "Europe/Berlin", date(2026, 5, 4)),
    # ... and the day after German Unity Day 2025 is not a holiday in France.
    (at(BERLIN, 2025, 10, 2, 10, 0), "DE", "Europe/Berlin", date(2025, 10, 6)),
    (at(PARIS, 2025, 10, 2, 10, 0), "FR", "Europe/Paris", date(2025, 10, 3)),
    # 31 December: 1 January is a holiday, then the weekend.
    (at(PARIS, 2026, 12, 31, 10, 0), "FR", "Europe/Paris", date(2027, 1, 4)),
    # A leap day: 28 February 2028 is a Monday, the 29th a Tuesday.
    (at(PARIS, 2028, 2, 28, 10, 0), "FR", "Europe/Paris", date(2028, 2, 29)),
    (at(PARIS, 2028, 2, 28, 16, 0), "FR", "Europe/Paris", date(2028, 3, 1)),
])
def test_promised_ship_date(requested, country, zone, promised):
    assert rma_services.promised_ship_date(requested, country, zone) == promised


def test_the_cut_off_is_read_in_the_ship_to_time_zone():
    # 14:30 in Paris is 08:30 in New York: before the cut-off there.
    requested = at(PARIS, 2026, 11, 27, 14, 30)
    assert rma_services.promised_ship_date(requested, "US", "America/New_York") == \
        date(2026, 11, 30)
    assert rma_services.promised_ship_date(at(PARIS, 2026, 11, 27, 21, 30), "US",
                                           "America/New_York") == date(2026, 12, 1)


@pytest.mark.parametrize("country,zone", [
    ("FR", "Europe/Paris"), ("DE", "Europe/Berlin"), ("GB", "Europe/London")])
@pytest.mark.parametrize("year", [2027, 2028])  # 2028 is a leap year
def test_a_later_request_is_never_promised_an_earlier_date(country, zone, year):
    """Every hour of the year, in UTC so that the clock changes fall inside it: the
    promise never goes back, and is always a business day of the country after the
    request's local date."""
    hour = datetime(year, 1, 1, tzinfo=ZoneInfo("UTC"))
    end = datetime(year + 1, 1, 1, tzinfo=ZoneInfo("UTC"))
    previous = None
    while hour < end:
        promised = rma_services.promised_ship_date(hour, country, zone)
        assert rma_services.is_business_day(promised, country), (hour, promised)
        assert promised > hour.astimezone(ZoneInfo(zone)).date(), (hour, promised)
        assert previous is None or promised >= previous, (hour, previous, promised)
        previous = promised
        hour += timedelta(hours=1)


def test_the_promise_holds_at_the_minutes_around_the_cut_off():
    before = rma_services.promised_ship_date(at(PARIS, 2028, 2, 25, 14, 59), "FR",
                                             "Europe/Paris")
    after = rma_services.promised_ship_date(at(PARIS, 2028, 2, 25, 15, 0), "FR",
                                            "Europe/Paris")
    saturday = rma_services.promised_ship_date(at(PARIS, 2028, 2, 26, 0, 0), "FR",
                                               "Europe/Paris")
    assert (before, after, saturday) == (date(2028, 2, 28), date(2028, 2, 29),
                                         date(2028, 2, 29))


@override_settings(RMA_ORDER_CUTOFF="12:00")
def test_the_cut_off_is_a_setting():
    assert rma_services.promised_ship_date(at(PARIS, 2026, 11, 27, 12, 30), "FR",
                                           "Europe/Paris") == date(2026, 12, 1)


# --- The headset threshold --------------------------------------------------------------

@pytest.mark.parametrize("ordinal,base,chargeable", [
    (5, 100, False), (6, 100, True), (1, 0, True), (1, 20, False), (2, 20, True),
    (1, 19, True), (10, 200, False), (11, 200, True)])
def test_the_threshold_rule(ordinal, base, chargeable):
    assert rma_services.is_chargeable(ordinal, base) is chargeable


# --- Requests through the services ------------------------------------------------------

def request(setup, serial, when=None, user=None):
    return rma_services.request_rma(user=user or setup["user"], customer=setup["customer"],
                                    serial=serial, fault="Does not charge",
                                    now=when or at(PARIS, 2026, 3, 2, 10, 0))


def approve(setup, rma, when=None):
    return rma_services.advance(rma, "approved", user=setup["agent"],
                                now=when or at(PARIS, 2026, 3, 2, 11, 0))


def test_base_100_the_5th_headset_rma_is_free_and_the_6th_chargeable(setup):
    rmas = []
    for index in range(6):
        setup["device"](f"HS-{index:04d}")
        rmas.append(approve(setup, request(setup, f"HS-{index:04d}")))
    assert [rma.chargeable for rma in rmas] == [False] * 5 + [True]
    assert rmas[5].charge == Decimal("100.00")  # the model's list price
    rate = rma_services.headset_rate(setup["customer"], 2026, date(2026, 3, 2))
    assert (rate.base, rate.approved, rate.chargeable, rate.charges) == (
        100, 6, 1, Decimal("100.00"))
    assert rate.percent == Decimal("6.0")


def test_the_request_warns_before_it_is_made(setup):
    for index in range(5):
        setup["device"](f"HS-{index:04d}")
        approve(setup, request(setup, f"HS-{index:04d}"))
    setup["device"]("HS-0005")
    preview = rma_services.preview(setup["customer"], "hs-0005",
                                   now=at(PARIS, 2026, 3, 3, 10, 0))
    assert preview.chargeable and preview.charge == Decimal("100.00")
    assert preview.promised_ship_date == date(2026, 3, 4)


def test_an_ordered_quantity_of_0_makes_the_first_headset_rma_chargeable(setup):
    BaselineEntry.objects.filter(version=setup["version"], category="headsets").update(
        ordered=0)
    setup["device"]("HS-0001")
    assert approve(setup, request(setup, "HS-0001")).chargeable


def test_video_rmas_never_count_nor_cost(setup):
    for index in range(8):
        setup["device"](f"VID-{index:04d}", product=setup["video"])
        assert not approve(setup, request(setup, f"VID-{index:04d}")).chargeable
    assert rma_services.headset_rate(setup["customer"], 2026).approved == 0


def test_a_new_calendar_year_resets_the_count(setup):
    BaselineEntry.objects.filter(version=setup["version"], category="headsets").update(
        ordered=20)  # one free headset replacement a year
    setup["device"]("HS-0001")
    setup["device"]("HS-0002")
    setup["device"]("HS-0003")
    assert not approve(setup, request(setup, "HS-0001", at(PARIS, 2026, 12, 30, 10))).chargeable
    assert approve(setup, request(setup, "HS-0002", at(PARIS, 2026, 12, 31, 10))).chargeable
    # 00:30 on 1 January in Paris is still 31 December in UTC: the customer's year counts.
    assert not approve(setup, request(setup, "HS-0003", at(PARIS, 2027, 1, 1, 0, 30))
                       ).chargeable


def test_a_rejected_request_does_not_count(setup):
    BaselineEntry.objects.filter(version=setup["version"], category="headsets").update(
        ordered=20)
    setup["device"]("HS-0001")
    setup["device"]("HS-0002")
    rejected = request(setup, "HS-0001")
    rma_services.advance(rejected, "rejected", user=setup["agent"], note="Not faulty")
    assert not approve(setup, request(setup, "HS-0002")).chargeable


# --- Refusals ---------------------------------------------------------------------------

def refused(setup, serial, expected, user=None):
    before = Rma.objects.count(), Ticket.objects.count()
    with pytest.raises(ValidationError) as error:
        request(setup, serial, user=user)
    assert expected in " ".join(error.value.messages)
    assert (Rma.objects.count(), Ticket.objects.count()) == before


def test_an_unknown_serial_is_refused(setup):
    refused(setup, "NOPE-0001", "No device with the serial number “NOPE-0001” is registered")


def test_another_customers_serial_is_refused_without_saying_whose(setup, world):
    setup["device"]("OTHER-0001", customer=world.customer(world.alpha, "AL-0002"))
    with pytest.raises(ValidationError) as error:
        request(setup, "OTHER-0001")
    message = " ".join(error.value.messages)
    assert "registered to another customer" in message
    assert "AL-0002" not in message and "Alpha Customer Two" not in message


def test_another_partners_serial_is_unknown_here(setup, world):
    with tenant_context(world.beta):
        DeviceFactory(serial="BETA-0001", product_model=setup["headset"],
                      customer=world.customer(world.beta, "BE-0002"))
    with tenant_context(world.alpha):
        refused(setup, "BETA-0001", "No device with the serial number")


def test_an_end_of_life_device_is_refused(setup):
    setup["device"]("EOL-0001", product=setup["eol"])
    refused(setup, "EOL-0001", "not covered")


def test_a_quote_only_device_is_refused(setup):
    setup["device"]("QUOTE-0001", product=setup["quote"])
    refused(setup, "QUOTE-0001", "custom quote")


def test_no_active_contract_is_refused(setup):
    setup["device"]("HS-0001")
    Contract.objects.filter(pk=setup["contract"].pk).update(status=Contract.Status.EXPIRED)
    refused(setup, "HS-0001", "no active contract")


def test_a_device_already_being_replaced_is_refused(setup):
    setup["device"]("HS-0001")
    request(setup, "HS-0001")
    refused(setup, "HS-0001", "already under way")


def test_the_database_refusing_a_second_open_rma_names_the_first(setup, monkeypatch):
    # As if the checks before the insert had missed it (a path that does not lock the
    # device): one_open_rma_per_device refuses, and the refusal names the replacement.
    setup["device"]("HS-0001")
    first = request(setup, "HS-0001")
    real_open_rma_of, calls = rma_services.open_rma_of, []

    def checks_miss_it(device):
        calls.append(device)
        return None if len(calls) <= 2 else real_open_rma_of(device)

    monkeypatch.setattr(rma_services, "open_rma_of", checks_miss_it)
    with pytest.raises(ValidationError) as refused_request:
        request(setup, "HS-0001")
    assert refused_request.value.message_dict["serial"] == [
        f"A replacement of this device is already under way: {first.reference}."]
    assert len(calls) == 3 and Rma.objects.count() == 1


# --- Lifecycle ----------------------------------------------------------------------------

def test_the_whole_lifecycle_replaces_the_device(setup, django_capture_on_commit_callbacks):
    original = setup["device"]("HS-0001")
    original.site, original.room = "Lyon", "Board room"
    original.save()
    with django_capture_on_commit_callbacks(execute=True):
        rma = request(setup, "HS-0001")
    assert rma.ticket.category == "hardware" and rma.ticket.device == original
    assert rma.promised_ship_date == date(2026, 3, 3)
    assert any("RMA-" in message.subject for message in mail.outbox)
    agent = setup["agent"]
    approve(setup, rma)
    with pytest.raises(ValidationError) as error:
        rma_services.advance(rma, "shipped", user=agent)
    assert {"carrier", "tracking_number", "replacement_serial"} <= set(
        error.value.message_dict)
    rma = rma_services.advance(rma, "shipped", user=agent, carrier="DHL",
                               tracking_number="JD0001", replacement_serial="hs-9001")
    original.refresh_from_db()
    assert original.status == Device.Status.REPLACED
    replacement = rma.replacement
    assert (replacement.serial, replacement.source, replacement.status, replacement.site,
            replacement.product_model) == ("HS-9001", "rma", "active", "Lyon",
                                           setup["headset"])
    for status in ("delivered", "received", "closed"):
        rma = rma_services.advance(rma, status, user=agent)
    assert [step.status for step in rma.steps.all()] == [
        "requested", "approved", "shipped", "delivered", "received", "closed"]
    assert all(step.actor_email for step in rma.steps.all())


def test_steps_cannot_be_skipped_nor_taken_by_customers(setup):
    setup["device"]("HS-0001")
    rma = request(setup, "HS-0001")
    with pytest.raises(ValidationError):
        rma_services.advance(rma, "shipped", user=setup["agent"], carrier="x",
                             tracking_number="y", replacement_serial="HS-9999")
    with pytest.raises(ValidationError):
        rma_services.advance(rma, "approved", user=setup["user"])


def test_a_late_defective_unit_gets_a_reminder(setup, django_capture_on_commit_callbacks):
    setup["device"]("HS-0001")
    rma = request(setup, "HS-0001")
    agent = setup["agent"]
    approve(setup, rma)
    rma_services.advance(rma, "shipped", user=agent, carrier="DHL", tracking_number="T1",
                         replacement_serial="HS-9001")
    rma = rma_services.advance(rma, "delivered", user=agent,
                               now=at(PARIS, 2026, 3, 4, 12, 0))
    assert rma_services.send_return_reminders(at(PARIS, 2026, 3, 14, 11, 0)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert rma_services.send_return_reminders(at(PARIS, 2026, 3, 14, 12, 0)) == 1
    assert "return the defective unit" in mail.outbox[-1].subject
    assert rma_services.send_return_reminders(at(PARIS, 2026, 3, 15, 12, 0)) == 0


# --- Pages ----------------------------------------------------------------------------------

def test_a_customer_requests_from_the_page_and_sees_the_date(setup, world):
    setup["device"]("HS-0001")
    client = world["alpha_customer1"].client()
    page = client.get("/rma/new/").content.decode()
    assert "ships on" in page
    preview = client.get("/rma/preview/", {"serial": "HS-0001"}).content.decode()
    assert "is covered" in preview and "Promised ship date" in preview
    response = client.post("/rma/new/", {"serial": "HS-0001", "fault": "Crackling"})
    assert response.status_code == 302
    rma = Rma.objects.get()
    assert client.get(f"/rma/{rma.pk}/").status_code == 200


def test_the_same_request_form_sent_twice_names_the_replacement_under_way(setup, world):
    setup["device"]("HS-0001")
    client = world["alpha_customer1"].client()
    form = {"serial": "HS-0001", "fault": "Crackling"}
    assert client.post("/rma/new/", form).status_code == 302
    rma = Rma.objects.get()
    again = client.post("/rma/new/", form)
    assert again.status_code == 200
    assert (f"A replacement of this device is already under way: {rma.reference}."
            in again.content.decode())
    assert Rma.objects.count() == 1


def test_rmas_are_not_visible_to_other_customers_or_partners(setup, world):
    setup["device"]("HS-0001")
    rma = request(setup, "HS-0001")
    for persona in ("alpha_customer2", "beta_agent", "beta_admin", "beta_customer1"):
        client = world[persona].client()
        assert client.get(f"/rma/{rma.pk}/").status_code == 404
        assert client.post(f"/rma/{rma.pk}/advance/",
                           {"status": "approved"}).status_code == 404
        assert rma.reference not in client.get("/rma/").content.decode()
    assert world["alpha_customer1"].client().post(
        f"/rma/{rma.pk}/advance/", {"status": "approved"}).status_code == 404
    rma.refresh_from_db()
    assert rma.status == "requested"


def test_the_vendor_engineer_ships_from_the_console(setup, world):
    setup["device"]("HS-0001")
    rma = approve(setup, request(setup, "HS-0001"))
    engineer = world["support_engineer"].client()
    assert rma.reference in engineer.get("/replacements/").content.decode()
    engineer.post(f"/replacements/alpha/{rma.pk}/advance/", {
        "status": "shipped", "carrier": "UPS", "tracking_number": "1Z999",
        "replacement_serial": "HS-7777"})
    with tenant_context(world.alpha):
        rma.refresh_from_db()
        assert rma.status == "shipped" and rma.replacement.serial == "HS-7777"
        assert rma.steps.get(status="shipped").from_vendor
    assert engineer.get(f"/replacements/beta/{rma.pk}/").status_code == 404
    for persona in ("csm", "vendor_admin"):
        assert world[persona].client().get("/replacements/").status_code == 404


def test_the_rma_list_filters_and_exports(setup, world):
    setup["device"]("HS-0001")
    setup["device"]("VID-0001", product=setup["video"])
    request(setup, "HS-0001")
    request(setup, "VID-0001")
    client = world["alpha_agent"].client()
    page = client.get("/rma/", {"category": "video"})
    assert [rma.device.serial for rma in page.context["page"].object_list] == ["VID-0001"]
    export = client.get("/rma/", {"format": "csv"}).content.decode()
    assert "HS-0001" in export and "VID-0001" in export


def test_the_rma_list_queries_do_not_grow(setup, world, query_count_baseline):
    client = world["alpha_agent"].client()

    def count():
        with query_count_baseline("RMA list") as queries:
            client.get("/rma/")
        return queries.count

    setup["device"]("HS-0001")
    request(setup, "HS-0001")
    few = count()
    for index in range(2, 12):
        setup["device"](f"HS-{index:04d}")
        request(setup, f"HS-{index:04d}")
    assert count() == few


def test_the_customer_page_shows_the_headset_rate(setup, world):
    setup["device"]("HS-0001")
    approve(setup, request(setup, "HS-0001", at(PARIS, 2026, 3, 2, 10)))
    page = world["alpha_agent"].client().get(f"/customers/{setup['customer'].pk}/")
    rate = page.context["headset_rate"]
    assert rate.base == 100
