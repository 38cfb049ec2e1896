"""Late replacements: unshipped past their promised ship date, in the ship-to's local date,
flagged with how late they are, first in the partner's list and the console's queue, and
filtered on their own."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tickets.models import Rma
from tickets.queries import index_rmas
from tickets.rma import services as rma_services

from .test_rma import PARIS, approve, at, request

LONDON = "Europe/London"


# --- The rule at fixed clocks -----------------------------------------------------------

def late(promised, now, country="FR", zone="Europe/Paris", status="approved"):
    return rma_services.lateness(status, promised, country, zone, now)


def test_on_its_promised_ship_date_a_replacement_is_not_late():
    friday = date(2026, 11, 27)
    assert late(friday, at(PARIS, 2026, 11, 27, 0, 1)) is None
    assert late(friday, at(PARIS, 2026, 11, 27, 23, 59)) is None


def test_the_day_after_it_is_late_by_calendar_and_business_days():
    friday = date(2026, 11, 27)
    assert late(friday, at(PARIS, 2026, 11, 28, 0, 1)) == rma_services.Lateness(1, 0)
    assert late(friday, at(PARIS, 2026, 12, 1, 10, 0)) == rma_services.Lateness(4, 2)


def test_a_public_holiday_is_no_business_day_late():
    # Promised on Monday 13 July 2026; 14 July is a holiday in France, not in Germany.
    monday = date(2026, 7, 13)
    now = at(PARIS, 2026, 7, 15, 10, 0)
    assert late(monday, now) == rma_services.Lateness(2, 1)
    assert late(monday, now, "DE", "Europe/Berlin") == rma_services.Lateness(2, 2)


def test_the_day_is_the_ship_tos():
    # 00:30 in Paris on Saturday is still Friday in London.
    now = at(PARIS, 2026, 11, 28, 0, 30)
    assert late(date(2026, 11, 27), now, "GB", LONDON) is None
    assert late(date(2026, 11, 27), now) is not None


@pytest.mark.parametrize("status", ["shipped", "delivered", "received", "closed", "rejected"])
def test_a_shipped_or_finished_replacement_is_never_late(status):
    assert late(date(2026, 1, 5), at(PARIS, 2026, 11, 28, 10, 0), status=status) is None


def test_the_query_calls_late_what_the_rule_does(setup):
    now = at(PARIS, 2026, 11, 28, 0, 30)
    for serial, promised in (("HS-0001", date(2026, 11, 27)), ("HS-0002", date(2026, 11, 28))):
        setup["device"](serial)
        Rma.objects.filter(pk=request(setup, serial, at(PARIS, 2026, 11, 2, 10)).pk).update(
            promised_ship_date=promised)
    late_ones = Rma.objects.filter(rma_services.late_q("customer__time_zone", now))
    assert [rma.device.serial for rma in late_ones] == ["HS-0001"]
    setup["customer"].time_zone = LONDON  # still Friday there
    setup["customer"].save()
    assert not Rma.objects.filter(rma_services.late_q("customer__time_zone", now)).exists()


# --- The partner's list -----------------------------------------------------------------

def late_and_on_time(setup):
    """HS-0001 requested long ago and shipped; HS-0002 requested long ago, approved, not
    shipped (late); HS-0003 requested now (not late); HS-0004 requested long ago (late)."""
    setup["device"]("HS-0001")
    shipped = approve(setup, request(setup, "HS-0001", at(PARIS, 2026, 11, 2, 10)))
    rma_services.advance(shipped, "shipped", user=setup["agent"], carrier="DHL",
                         tracking_number="T1", replacement_serial="HS-9001")
    setup["device"]("HS-0002")
    approve(setup, request(setup, "HS-0002", at(PARIS, 2026, 11, 3, 10)))
    setup["device"]("HS-0003")
    request(setup, "HS-0003", timezone.now())
    setup["device"]("HS-0004")
    request(setup, "HS-0004", at(PARIS, 2026, 11, 4, 10))


def listed(client, **params):
    response = client.get("/rma/", params)
    return [rma.device.serial for rma in response.context["page"].object_list], \
        response.content.decode()


def test_late_replacements_come_first_flagged_with_their_lateness(setup, world):
    late_and_on_time(setup)
    serials, page = listed(world["alpha_agent"].client())
    assert serials == ["HS-0004", "HS-0002", "HS-0003", "HS-0001"]
    assert page.count(">Late</span>") == 2
    days = (timezone.localdate(timezone.now(), timezone=PARIS) - date(2026, 11, 5)).days
    assert f"{days} days late" in page  # HS-0004, promised on 5 November


def test_the_customer_sees_its_late_replacements_too_in_french(setup, world):
    late_and_on_time(setup)
    client = world["alpha_customer1"].client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    serials, page = listed(client, late="on")
    assert serials == ["HS-0004", "HS-0002"]
    assert ">En retard</span>" in page and "jours de retard" in page


def test_a_chosen_sort_still_wins(setup, world):
    late_and_on_time(setup)
    serials, _ = listed(world["alpha_agent"].client(), sort="-requested")
    assert serials == ["HS-0003", "HS-0004", "HS-0002", "HS-0001"]


def test_the_late_filter_shows_only_late_ones(setup, world):
    late_and_on_time(setup)
    serials, _ = listed(world["alpha_agent"].client(), late="on")
    assert serials == ["HS-0004", "HS-0002"]


def test_the_replacement_page_says_it_is_late(setup, world):
    late_and_on_time(setup)
    rma = Rma.objects.get(device__serial="HS-0002")
    page = world["alpha_agent"].client().get(f"/rma/{rma.pk}/").content.decode()
    assert ">Late</span>" in page
    on_time = Rma.objects.get(device__serial="HS-0003")
    page = world["alpha_agent"].client().get(f"/rma/{on_time.pk}/").content.decode()
    assert ">Late</span>" not in page


def test_another_customers_late_replacements_stay_hidden(setup, world):
    late_and_on_time(setup)
    serials, _ = listed(world["alpha_customer2"].client(), late="on")
    assert serials == []
    with tenant_context(world.beta):
        serials, _ = listed(world["beta_agent"].client(), late="on")
    assert serials == []


# --- The console's queue ----------------------------------------------------------------

def console_rows(world, **params):
    response = world["support_engineer"].client().get("/replacements/", params)
    assert response.status_code == 200
    return [(row.partner.slug, row.serial) for row in response.context["rmas"]], \
        response.content.decode()


def test_the_console_queue_puts_late_ones_first(setup, world):
    late_and_on_time(setup)
    rows, page = console_rows(world)
    alpha = [serial for slug, serial in rows if slug == "alpha"]
    # Late ones first, by promise; then the rest by promise (the shipped one's is oldest).
    assert alpha == ["HS-0002", "HS-0004", "HS-0001", "HS-0003"]
    assert page.count(">Late</span>") == 2
    assert rows[:2] == [("alpha", "HS-0002"), ("alpha", "HS-0004")]


def test_the_console_queue_filters_late_ones(setup, world):
    late_and_on_time(setup)
    rows, _ = console_rows(world, status="open", late="on")
    assert rows == [("alpha", "HS-0002"), ("alpha", "HS-0004")]


def test_the_console_reads_the_day_in_the_ship_tos_time_zone(setup, world):
    setup["device"]("HS-0005")
    rma = request(setup, "HS-0005", timezone.now())
    yesterday = timezone.localdate(timezone.now(), timezone=PARIS) - timedelta(days=1)
    with tenant_context(world.alpha):
        Rma.objects.filter(pk=rma.pk).update(promised_ship_date=yesterday)
        index_rmas([rma.pk])
    rows, _ = console_rows(world, late="on")
    assert rows == [("alpha", "HS-0005")]


@given(start=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
       days=st.integers(min_value=0, max_value=800),
       country=st.sampled_from(["FR", "DE", "GB", "US", "ZZ"]))
@examples(max_examples=200, deadline=None)
def test_business_days_late_are_counted_as_day_by_day(start, days, country):
    end = start + timedelta(days=days)
    expected = sum(1 for offset in range(1, days + 1)
                   if rma_services.is_business_day(start + timedelta(days=offset), country))
    assert rma_services.business_days_after(start, end, country) == expected


def test_a_replacement_two_years_late_counts_both_years_holidays():
    # 2 January 2026 – 1 January 2028 (a Saturday): 522 weekdays, of which 16 are French
    # public holidays (1 January of both years, Easter Mondays, 1 and 8 May, Ascension,
    # Whit Monday, 14 July, 11 November, Christmas 2026, All Saints' Day 2027…).
    found = late(date(2025, 12, 31), at(PARIS, 2028, 1, 1, 10, 0))
    assert found == rma_services.Lateness(731, 506)
