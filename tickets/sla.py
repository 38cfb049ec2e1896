"""SLA clocks (SPEC §7).

P1 and P2 run on a 24/7 clock; P3 and P4 only during the partner's support hours, on its
working days, skipping the public holidays of the customer's country. The clock stops while
the ticket waits on the customer (and while it is resolved, until it is reopened).

Everything here is a pure function of instants, so the rules can be tested on a fixed clock.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

TWENTY_FOUR_SEVEN = "24x7"
BUSINESS = "business"


@lru_cache(maxsize=256)
def public_holidays(country, year):
    """The country's public holidays of a year; none for a country the library lacks."""
    if country not in holidays.list_supported_countries():
        return frozenset()
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True)
class BusinessCalendar:
    """The partner's support hours, with the customer country's public holidays."""

    time_zone: ZoneInfo
    opens: time
    closes: time
    weekdays: frozenset
    country: str

    @classmethod
    def for_ticket(cls, partner, customer):
        return cls(
            time_zone=ZoneInfo(partner.time_zone),
            opens=partner.support_opens,
            closes=partner.support_closes,
            weekdays=frozenset(int(day) for day in partner.support_days),
            country=str(customer.country or ""),
        )

    def is_working_day(self, day: date):
        if day.weekday() not in self.weekdays:
            return False
        return not self.country or day not in public_holidays(self.country, day.year)

    def periods(self, start: datetime):
        """The support periods (opening, closing) from `start` on, the first one clipped."""
        day = start.astimezone(self.time_zone).date()
        # A year without a single working day would be a misconfiguration, not a clock.
        for _ in range(366 * 2):
            if self.is_working_day(day):
                opening = datetime.combine(day, self.opens, self.time_zone)
                closing = datetime.combine(day, self.closes, self.time_zone)
                if closing > start:
                    yield max(opening, start), closing
            day += timedelta(days=1)
        raise ValueError("No support hours within two years.")


def add_clock_time(start, minutes, calendar=None):
    """The instant at which `minutes` of clock time have run from `start`."""
    remaining = timedelta(minutes=minutes)
    if calendar is None:
        return start + remaining
    if remaining <= timedelta(0):
        return start
    for opening, closing in calendar.periods(start):
        if opening + remaining <= closing:
            return opening + remaining
        remaining -= closing - opening
    raise AssertionError("unreachable")


def clock_time_between(start, end, calendar=None):
    """How much clock time runs between two instants."""
    if end <= start:
        return timedelta(0)
    if calendar is None:
        return end - start
    total = timedelta(0)
    for opening, closing in calendar.periods(start):
        if opening >= end:
            break
        total += min(closing, end) - opening
    return total


def due_instant(start, minutes, pauses, calendar=None):
    """When a target of `minutes` falls due, or None while the clock is stopped.

    `pauses` are (started, ended) pairs in order; `ended` is None for a pause still running.
    """
    cursor, remaining = start, timedelta(minutes=minutes)
    for paused, resumed in pauses:
        if paused > cursor:
            due = add_clock_time(cursor, remaining.total_seconds() / 60, calendar)
            if due <= paused:
                return due
            remaining -= clock_time_between(cursor, paused, calendar)
        if resumed is None:
            return None
        cursor = max(cursor, resumed)
    return add_clock_time(cursor, remaining.total_seconds() / 60, calendar)


def clock_time_used(start, now, pauses, calendar=None):
    """Clock time that has run from `start` to `now`, pauses left out."""
    used, cursor = timedelta(0), start
    for paused, resumed in pauses:
        if paused >= now:
            break
        used += clock_time_between(cursor, max(cursor, paused), calendar)
        if resumed is None or resumed >= now:
            return used
        cursor = max(cursor, resumed)
    return used + clock_time_between(cursor, now, calendar)


def targets(priority):
    """(clock, response minutes, resolution minutes) for a priority, from the settings."""
    target = settings.TICKET_SLA[priority]
    return target["clock"], target["response"], target["resolution"]


# --- Urgency of the next target (queues) --------------------------------------------------

OK, SOON, OVER = "ok", "soon", "over"


def urgency(due_at, now):
    """How close a due instant is: OVER once passed, SOON within
    TICKET_SLA_WARNING_MINUTES, OK before."""
    if due_at <= now:
        return OVER
    if due_at - now <= timedelta(minutes=settings.TICKET_SLA_WARNING_MINUTES):
        return SOON
    return OK
