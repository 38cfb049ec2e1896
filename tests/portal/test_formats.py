"""One formatter for numbers, percentages, money and dates per locale (portal.formats)."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from portal import formats

NNBSP, NBSP = "\u202f", "\xa0"


@pytest.mark.parametrize(("language", "value", "expected"), [
    ("fr", Decimal("5.1"), f"5,1{NNBSP}%"),
    ("fr", Decimal("-3.6"), f"-3,6{NNBSP}%"),
    ("en", Decimal("5.1"), "5.1%"),
    ("en", Decimal("-3.6"), "-3.6%"),
])
def test_percentages(language, value, expected):
    assert formats.percent(value, language=language) == expected


def test_a_signed_change_and_no_value():
    assert formats.percent(Decimal("2.4"), signed=True, language="fr") == f"+2,4{NNBSP}%"
    assert formats.percent(Decimal("0"), signed=True, language="en") == "0.0%"
    assert formats.percent(None) == "—"


@pytest.mark.parametrize(("language", "currency", "expected"), [
    ("fr", "EUR", f"1{NNBSP}234,50{NBSP}€"),
    ("en", "EUR", "€1,234.50"),
    ("en", "GBP", "£1,234.50"),
    ("fr", "GBP", f"1{NNBSP}234,50{NBSP}£GB"),
])
def test_money_always_carries_its_currency(language, currency, expected):
    assert formats.money(Decimal("1234.5"), currency, language=language) == expected


def test_numbers():
    assert formats.number(Decimal("7.3500"), language="fr") == "7,35"
    assert formats.number(Decimal("100.00"), language="en") == "100"
    assert formats.number(1234, language="en") == "1,234"
    assert formats.number(Decimal("12.5"), 2, language="fr") == "12,50"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_whole_numbers_are_written_as_babel_writes_them(language):
    from babel import numbers as babel_numbers

    locale = formats.locale_name(language)
    for value in (0, 7, -7, 999, 1000, -1000, 12345, 1234567, -98765432, 10**12):
        assert formats.number(value, language=language) == babel_numbers.format_decimal(
            Decimal(value), locale=locale, decimal_quantization=False)
    assert formats.number(1234567, language="fr") == "1\u202f234\u202f567"


LEAP_DAY = date(2028, 2, 29)


@pytest.mark.parametrize(("language", "order", "short", "long"), [
    ("en", "dmy", "29/02/2028", "29 February 2028"),
    ("en", "mdy", "02/29/2028", "February 29, 2028"),
    ("fr", "mdy", "29/02/2028", "29 février 2028"),  # French is always day first
    ("fr", "dmy", "29/02/2028", "29 février 2028"),
])
def test_dates_follow_the_partner_order_in_english(language, order, short, long):
    assert formats.short_date(LEAP_DAY, language=language, order=order) == short
    assert formats.long_date(LEAP_DAY, language=language, order=order) == long


def test_month_names_and_times_are_localised():
    assert formats.short_month(date(2026, 12, 1), language="fr") == "déc. 26"
    assert formats.month_year(date(2026, 2, 1), language="fr") == "février 2026"
    assert formats.time_of_day(time(21, 5), language="en", order="mdy") == f"9:05{NNBSP}PM"
    assert formats.time_of_day(time(21, 5), language="en", order="dmy") == "21:05"
    instant = datetime(2028, 2, 29, 20, 5, tzinfo=ZoneInfo("UTC"))
    with translation.override("fr"), timezone.override("Europe/Paris"):
        assert formats.date_time(instant) == "29/02/2028 21:05"


@pytest.mark.parametrize(("language", "order"), [("en", "dmy"), ("en", "mdy"), ("fr", "dmy")])
def test_dates_and_times_written_once_are_as_babel_writes_them(language, order):
    from babel import dates as babel_dates

    locale = formats.locale_name(language, order)
    pattern = formats.SHORT_DATE["dmy" if language == "fr" else order]
    for moment in [datetime(2026, 12, 31, 23, 59, 59, 999, tzinfo=ZoneInfo("UTC")),
                   datetime(2028, 2, 29, 0, 0, 1), datetime(2026, 7, 14, 12, 30, 45)]:
        with timezone.override("Europe/Paris"):
            local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
            expected = (f"{babel_dates.format_date(local, pattern, locale=locale)} "
                        f"{babel_dates.format_time(local.time(), 'short', locale=locale)}")
            for _twice in range(2):
                assert formats.date_time(moment, language=language, order=order) == expected
                assert formats.short_date(local.date(), language=language,
                                          order=order) == expected.split(" ")[0]


def test_the_partner_being_served_gives_the_order(world):
    world.alpha.date_order = "mdy"
    with tenant_context(world.alpha), translation.override("en"):
        assert formats.short_date(LEAP_DAY) == "02/29/2028"


def test_the_partner_admin_sets_the_date_order_on_the_branding_page(world):
    from portal.tenants.models import Partner

    admin = world["alpha_admin"].client()
    form = admin.get("/branding/").context["form"]
    data = {name: value for name, value in form.initial.items()
            if name not in ("logo", "logo_on_dark", "date_order") and value is not None}
    data["support_days"] = list(form.initial["support_days"])
    response = admin.post("/branding/", {**data, "date_order": "mdy"})
    assert response.status_code == 302, response.context["form"].errors
    partner = Partner.objects.get(pk=world.alpha.pk)
    assert partner.date_order == "mdy"
    with tenant_context(partner), translation.override("en"):
        assert formats.short_date(LEAP_DAY) == "02/29/2028"


@pytest.mark.parametrize(("language", "order"), [("en", "mdy"), ("en", "dmy"), ("fr", None)])
def test_dates_and_times_written_once_each_are_those_babel_writes(language, order):
    from datetime import timedelta

    from babel import dates as babel_dates

    locale = formats._locale(language, order)
    pattern = formats.SHORT_DATE["dmy" if language == "fr" else order]
    start = datetime(2026, 3, 29, 0, 0, 59, 999, tzinfo=ZoneInfo("UTC"))
    with translation.override(language), timezone.override("Europe/Paris"):
        for step in range(0, 3 * 24 * 60, 37):
            moment = start + timedelta(minutes=step)
            local = timezone.localtime(moment)
            assert formats.date_time(moment, language=language, order=order) == (
                f"{babel_dates.format_date(local, pattern, locale=locale)} "
                f"{babel_dates.format_time(local.time(), 'short', locale=locale)}")
            assert formats.short_date(local.date(), language=language, order=order) == \
                babel_dates.format_date(local.date(), pattern, locale=locale)
