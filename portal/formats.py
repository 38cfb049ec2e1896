"""Numbers, percentages, money, dates and times as the reader's locale writes them.

The one place that formats figures for people: pages, monthly reports (HTML and PDF), charts
and e-mails all call these functions or their template filters (`{% load formats %}`).
Babel carries the CLDR rules Django's own l10n lacks: where the currency goes ("1 234,50 €",
"€1,234.50"), the narrow no-break space of a French percentage ("5,1 %"), month names.

The language is the active one; English dates follow the partner's date order (day first
for a UK partner, month first for a US one), French dates are always day first.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django import template
from django.db import connection
from django.utils import timezone, translation

from portal.programme import whole_devices
from portal.timezones import time_zone_label

register = template.Library()

DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
SHORT_DATE = {DAY_FIRST: "dd/MM/y", MONTH_FIRST: "MM/dd/y"}


def date_order(brand=None) -> str:
    """The partner's date order: `brand`'s, else the partner being served (no query)."""
    brand = brand if brand is not None else getattr(connection, "tenant", None)
    return getattr(brand, "date_order", "") or DAY_FIRST


def locale_name(language: str | None = None, order: str | None = None) -> str:
    language = (language or translation.get_language() or "en").split("-")[0].lower()
    if language == "fr":
        return "fr_FR"
    return "en_US" if (order or date_order()) == MONTH_FIRST else "en_GB"


def _locale(language=None, order=None) -> str:
    return locale_name(language, order)


def _exact(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- Numbers ---------------------------------------------------------------------------------

def number(value, places: int | None = None, *, language=None) -> str:
    """A number with the locale's separators; `places` fixes the decimals (else as exact,
    without trailing zeros)."""
    if value is None or value == "":
        return "—"
    if places is None and type(value) is int:
        # A page of whole counts (devices, baselines): the locale's grouping put in
        # directly, what Babel's pattern writes for them at several times the cost.
        group, minus = _integer_symbols(_locale(language))
        text = f"{abs(value):,}".replace(",", group)
        return f"{minus}{text}" if value < 0 else text
    value = _exact(value)
    if places is None:
        return babel_numbers.format_decimal(value.normalize(), locale=_locale(language),
                                            decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=_locale(language))


@cache
def _integer_symbols(locale: str) -> tuple[str, str]:
    return babel_numbers.get_group_symbol(locale), babel_numbers.get_minus_sign_symbol(locale)


def percent(value, places: int = 1, *, signed: bool = False, language=None) -> str:
    """`value` in percent (5.1 for 5.1 %): "5,1 %" in French, "5.1%" in English."""
    if value is None or value == "":
        return "—"
    locale = Locale.parse(_locale(language))
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    pattern = pattern.replace("#,##0", "#,##0" + ("." + "0" * places if places else ""), 1)
    value = _exact(value)
    text = babel_numbers.format_percent(value / 100, format=pattern, locale=locale)
    if locale.language == "fr":
        # French typography sets a narrow no-break space before "%" (CLDR has a full one).
        text = text.replace("\xa0%", "\u202f%")
    if signed and value > 0:
        text = babel_numbers.get_plus_sign_symbol(locale) + text
    return text


def money(amount, currency: str, *, language=None) -> str:
    """An amount with its currency where the locale puts it, always to the cent."""
    if amount is None or amount == "":
        return "—"
    return babel_numbers.format_currency(_exact(amount), currency or "EUR",
                                         locale=_locale(language))


# --- Dates and times -------------------------------------------------------------------------

def _as_date(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def short_date(value, *, language=None, order=None) -> str:
    """31/12/2026 (French, and English day first) or 12/31/2026 (English month first)."""
    if not value:
        return "—"
    language = language or translation.get_language() or "en"
    order = DAY_FIRST if language.startswith("fr") else (order or date_order())
    value = _as_date(value)
    return _short_date(value.date() if isinstance(value, datetime) else value,
                       SHORT_DATE[order], _locale(language, order))


# A page writes its dates and times with Babel, each several times the cost of the page's
# other values: each day and each minute of the day is written once per locale.

@lru_cache(maxsize=4096)
def _short_date(day, pattern, locale):
    return babel_dates.format_date(day, pattern, locale=locale)


@lru_cache(maxsize=4096)
def _short_time(hour, minute, locale):
    # A short time shows the hour and the minutes only.
    return babel_dates.format_time(time(hour, minute), "short", locale=locale)


def long_date(value, *, language=None, order=None) -> str:
    """31 décembre 2026, 31 December 2026, December 31, 2026."""
    if not value:
        return "—"
    return babel_dates.format_date(_as_date(value), "long", locale=_locale(language, order))


def month_year(value, *, language=None) -> str:
    """décembre 2026, December 2026."""
    if not value:
        return "—"
    value = _as_date(value)
    return _month_year(value.year, value.month, _locale(language))


@lru_cache(maxsize=1024)
def _month_year(year, month, locale):
    return babel_dates.format_date(date(year, month, 1), "LLLL y", locale=locale)


def short_month(value, *, language=None) -> str:
    """A chart's month: déc. 26, Dec 26."""
    return babel_dates.format_date(_as_date(value), "LLL yy", locale=_locale(language))


def time_of_day(value, *, language=None, order=None) -> str:
    """21:05 (French, UK) or 9:05 PM (US)."""
    if not value:
        return "—"
    if isinstance(value, datetime):
        value = _as_date(value).time()
    return _short_time(value.hour, value.minute, _locale(language, order))


def date_time(value, *, language=None, order=None) -> str:
    if not value:
        return "—"
    return f"{short_date(value, language=language, order=order)} " \
           f"{time_of_day(value, language=language, order=order)}"


def long_date_time(value, *, language=None, order=None) -> str:
    """1 juin 2026 14:02, 1 June 2026 14:02, June 1, 2026 2:02 PM."""
    if not value:
        return "—"
    return f"{long_date(value, language=language, order=order)} " \
           f"{time_of_day(value, language=language, order=order)}"


# --- Template filters ------------------------------------------------------------------------

@register.filter(name="number")
def number_filter(value, places=None):
    return number(value, None if places in (None, "") else int(places))


@register.filter(name="percent")
def percent_filter(value, places=1):
    return percent(value, int(places))


@register.filter(name="signed_percent")
def signed_percent_filter(value, places=1):
    return percent(value, int(places), signed=True)


@register.filter(name="money")
def money_filter(value, currency):
    return money(value, currency)


@register.filter(name="whole_devices")
def whole_devices_filter(value):
    """A baseline as shown (SPEC §5)."""
    return "—" if value is None or value == "" else whole_devices(_exact(value))


@register.filter(name="short_date")
def short_date_filter(value):
    return short_date(value)


@register.filter(name="long_date")
def long_date_filter(value):
    return long_date(value)


@register.filter(name="month_year")
def month_year_filter(value):
    return month_year(value)


@register.filter(name="time_of_day")
def time_of_day_filter(value: time | datetime | None):
    return time_of_day(value)


@register.filter(name="date_time")
def date_time_filter(value: date | datetime | None):
    return date_time(value)


@register.filter(name="time_zone")
def time_zone_filter(value):
    """"France — Paris" for "Europe/Paris", in the active language."""
    return time_zone_label(value)


@register.filter(name="long_date_time")
def long_date_time_filter(value: date | datetime | None):
    return long_date_time(value)


def colon(*, language=None) -> str:
    """The colon after a label: French sets a narrow no-break space before it."""
    return "\u202f:" if _locale(language).startswith("fr") else ":"


@register.simple_tag(name="colon")
def colon_tag():
    return colon()
