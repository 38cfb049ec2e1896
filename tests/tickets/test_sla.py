"""SLA clocks on a fixed clock (SPEC §7): 24/7 for P1/P2, support hours and public holidays
of the customer's country for P3/P4, paused while waiting on the customer."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from tickets import services, sla
from tickets.models import Breach, Ticket

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def clock(monkeypatch):
    """A settable clock standing in for timezone.now (also behind auto_now_add)."""

    class Clock:
        now = paris(2026, 1, 5, 9, 0)

        def set(self, instant):
            self.now = instant

    fixed = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed


def calendar(country="FR"):
    return sla.BusinessCalendar(time_zone=PARIS, opens=time(9), closes=time(18),
                                weekdays=frozenset(range(5)), country=country)


def open_ticket(world, clock, at, priority, country="FR", by="alpha_customer1"):
    clock.set(at)
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        customer.country = country
        customer.save()
        return services.open_ticket(
            user=world[by].user, customer=customer, subject="Room down",
            description="No video", category="technical", priority=priority)


# --- the clock arithmetic --------------------------------------------------------------

def test_a_24_7_clock_counts_every_minute_across_the_weekend():
    saturday = paris(2026, 11, 28, 23, 50)
    assert sla.add_clock_time(saturday, 60) == paris(2026, 11, 29, 0, 50)


def test_business_time_starts_at_the_next_opening_after_a_holiday():
    eve = paris(2026, 7, 13, 19, 0)  # Monday evening; 14 July is a holiday in France
    assert sla.add_clock_time(eve, 8 * 60, calendar("FR")) == paris(2026, 7, 15, 17, 0)
    assert sla.add_clock_time(eve, 8 * 60, calendar("DE")) == paris(2026, 7, 14, 17, 0)


def test_business_time_carries_over_the_night_and_the_weekend():
    friday = paris(2026, 11, 27, 17, 30)
    assert sla.add_clock_time(friday, 60, calendar()) == paris(2026, 11, 30, 9, 30)


def test_a_target_ending_exactly_at_closing_time_is_due_at_closing():
    assert sla.add_clock_time(paris(2026, 11, 30, 9, 0), 9 * 60, calendar()) == \
        paris(2026, 11, 30, 18, 0)


def test_business_time_between_two_instants_skips_closed_hours():
    used = sla.clock_time_between(paris(2026, 11, 27, 17, 0), paris(2026, 11, 30, 10, 0),
                                  calendar())
    assert used == timedelta(hours=2)


def test_a_leap_day_is_an_ordinary_working_day():
    assert sla.add_clock_time(paris(2028, 2, 28, 17, 0), 2 * 60, calendar()) == \
        paris(2028, 2, 29, 10, 0)


def test_a_pause_pushes_the_due_instant_by_its_length():
    start = paris(2026, 11, 30, 10, 0)
    pauses = [(paris(2026, 11, 30, 11, 0), paris(2026, 11, 30, 13, 30))]
    assert sla.due_instant(start, 4 * 60, pauses) == paris(2026, 11, 30, 16, 30)


def test_a_running_pause_stops_the_clock():
    start = paris(2026, 11, 30, 10, 0)
    assert sla.due_instant(start, 4 * 60, [(paris(2026, 11, 30, 11, 0), None)]) is None


def test_a_pause_after_the_due_instant_does_not_hide_the_breach():
    start = paris(2026, 11, 30, 10, 0)
    pauses = [(paris(2026, 11, 30, 15, 0), None)]
    assert sla.due_instant(start, 4 * 60, pauses) == paris(2026, 11, 30, 14, 0)


def test_a_pause_over_closed_hours_costs_nothing_on_a_business_clock():
    start = paris(2026, 11, 30, 16, 0)
    pauses = [(paris(2026, 11, 30, 19, 0), paris(2026, 12, 1, 8, 0))]
    assert sla.due_instant(start, 8 * 60, pauses, calendar()) == \
        sla.add_clock_time(start, 8 * 60, calendar()) == paris(2026, 12, 1, 15, 0)


# --- tickets on a fixed clock ----------------------------------------------------------

def test_a_p1_opened_saturday_at_23_50_is_due_on_sunday_night(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 28, 23, 50), "P1")
    assert ticket.response_due_at == paris(2026, 11, 29, 0, 50)
    assert ticket.resolution_due_at == paris(2026, 11, 29, 3, 50)


def test_a_p3_opened_the_evening_before_a_holiday(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 7, 13, 19, 0), "P3", country="FR")
    # 8 support hours from 15 July 09:00; 24 hours = 9 + 9 + 6, so Friday 15:00.
    assert ticket.response_due_at == paris(2026, 7, 15, 17, 0)
    assert ticket.resolution_due_at == paris(2026, 7, 17, 15, 0)


def test_the_holidays_are_those_of_the_customers_country(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 7, 13, 19, 0), "P3", country="DE")
    assert ticket.response_due_at == paris(2026, 7, 14, 17, 0)


def test_the_partners_support_hours_set_the_business_clock(world, clock):
    world.alpha.support_opens, world.alpha.support_closes = time(8), time(12)
    world.alpha.save()
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 11, 0), "P3")
    # 1 h on Monday, then 4 h a day: Tuesday 8–12, Wednesday 8–11.
    assert ticket.response_due_at == paris(2026, 12, 2, 11, 0)


def test_waiting_on_the_customer_pauses_and_resumes_the_clock(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P2")
    assert ticket.resolution_due_at == paris(2026, 12, 1, 10, 0)
    agent = world["alpha_agent"].user
    with tenant_context(world.alpha):
        clock.set(paris(2026, 11, 30, 12, 0))
        ticket = services.change_status(ticket, Ticket.Status.WAITING, user=agent)
        assert ticket.resolution_due_at is None
        clocks = {c.target: c for c in services.sla_clocks(ticket, paris(2026, 11, 30, 14))}
        assert clocks["resolution"].state == "paused"
        assert clocks["resolution"].left == timedelta(hours=22)
        clock.set(paris(2026, 11, 30, 15, 0))
        ticket = services.change_status(ticket, Ticket.Status.IN_PROGRESS, user=agent)
        assert ticket.resolution_due_at == paris(2026, 12, 1, 13, 0)


def test_time_spent_resolved_does_not_count_after_a_reopen(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P1")
    agent = world["alpha_agent"].user
    with tenant_context(world.alpha):
        clock.set(paris(2026, 11, 30, 11, 0))
        ticket = services.change_status(ticket, Ticket.Status.RESOLVED, user=agent)
        clock.set(paris(2026, 11, 30, 20, 0))
        ticket = services.change_status(ticket, Ticket.Status.IN_PROGRESS, user=agent)
        assert ticket.resolution_due_at == paris(2026, 11, 30, 23, 0)


def test_a_breach_is_recorded_at_the_exact_due_instant(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 28, 23, 50), "P1")
    with tenant_context(world.alpha):
        assert services.record_breaches(paris(2026, 11, 29, 0, 49, 59)) == 0
        assert services.record_breaches(paris(2026, 11, 29, 0, 50)) == 1
        breach = Breach.objects.get(ticket=ticket)
        assert (breach.target, breach.due_at, breach.priority) == (
            "response", paris(2026, 11, 29, 0, 50), "P1")
        assert services.record_breaches(paris(2026, 11, 29, 3, 50)) == 1
        assert services.record_breaches(paris(2026, 11, 29, 5, 0)) == 0  # once only
        assert Ticket.objects.filter(services.breached_q(paris(2026, 11, 29, 5))).exists()


def test_a_response_in_time_meets_the_target(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P1")
    with tenant_context(world.alpha):
        clock.set(paris(2026, 11, 30, 11, 0))  # exactly at the due instant
        services.add_comment(ticket, user=world["alpha_agent"].user, body="On it")
        ticket.refresh_from_db()
        assert ticket.first_response_at == paris(2026, 11, 30, 11, 0)
        assert services.record_breaches(paris(2026, 11, 30, 12)) == 0
        clocks = {c.target: c for c in services.sla_clocks(ticket, paris(2026, 11, 30, 12))}
        assert clocks["response"].state == "met"
        assert clocks["resolution"].state == "running"


def test_an_internal_note_is_not_a_response(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P1")
    with tenant_context(world.alpha):
        clock.set(paris(2026, 11, 30, 10, 30))
        services.add_comment(ticket, user=world["alpha_agent"].user, body="Looking",
                             internal=True)
        ticket.refresh_from_db()
        assert ticket.first_response_at is None


def test_a_late_resolution_is_recorded_when_it_happens(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P1", by="alpha_agent")
    with tenant_context(world.alpha):
        clock.set(paris(2026, 11, 30, 14, 0, 1))
        services.change_status(ticket, Ticket.Status.RESOLVED, user=world["alpha_agent"].user)
        breach = Breach.objects.get(ticket=ticket)
        assert (breach.target, breach.due_at) == ("resolution", paris(2026, 11, 30, 14, 0))


def test_a_ticket_opened_by_staff_has_its_response(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P2", by="alpha_agent")
    assert ticket.first_response_at == paris(2026, 11, 30, 10, 0)


def test_a_new_priority_moves_the_targets(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P4")
    with tenant_context(world.alpha):
        ticket = services.update_ticket(ticket, user=world["alpha_agent"].user, priority="P1",
                                        category=ticket.category, assignee=None)
        assert ticket.response_due_at == paris(2026, 11, 30, 11, 0)


@override_settings(TICKET_SLA={**{p: {"clock": "24x7", "response": 30, "resolution": 60}
                                  for p in ("P1", "P2", "P3", "P4")}})
def test_targets_are_settings(world, clock):
    ticket = open_ticket(world, clock, paris(2026, 11, 30, 10, 0), "P4")
    assert ticket.response_due_at == paris(2026, 11, 30, 10, 30)


def test_the_beat_task_records_breaches_in_every_partner(world, clock):
    from tickets.tasks import record_sla_breaches

    alpha = open_ticket(world, clock, paris(2026, 11, 28, 23, 50), "P1")
    clock.set(paris(2026, 11, 28, 23, 50))
    with tenant_context(world.beta):
        beta = services.open_ticket(
            user=world["beta_customer1"].user, customer=world.customer(world.beta, "BE-0001"),
            subject="Panne", description="Pas de son", category="technical", priority="P1")
    clock.set(paris(2026, 11, 29, 1, 0))
    assert record_sla_breaches() >= 2  # tickets left by the browser tests may count too
    for tenant, ticket in ((world.alpha, alpha), (world.beta, beta)):
        with tenant_context(tenant):
            assert Breach.objects.get(ticket=ticket).due_at == paris(2026, 11, 29, 0, 50)


def test_the_partner_admin_sets_the_support_hours(world):
    client = world["alpha_admin"].client()
    form = client.get("/branding/").context["form"]
    data = {name: value for name, value in form.initial.items()
            if name in form.fields and value is not None and name not in ("logo", "logo_on_dark")}
    data.update({"support_opens": "08:00", "support_closes": "17:30",
                 "support_days": ["0", "1", "2", "3", "4", "5"], "time_zone": "Europe/Berlin"})
    assert client.post("/branding/", data).status_code == 302
    world.alpha.refresh_from_db()
    assert (world.alpha.support_opens, world.alpha.support_closes, world.alpha.support_days,
            world.alpha.time_zone) == (time(8), time(17, 30), "012345", "Europe/Berlin")
    data.update({"support_opens": "18:00", "support_closes": "09:00"})
    response = client.post("/branding/", data)
    assert "Support must close after it opens." in str(response.context["form"].errors)


def test_a_country_without_a_holiday_calendar_counts_every_weekday():
    assert sla.public_holidays("ZZ", 2026) == frozenset()
    assert sla.add_clock_time(paris(2026, 7, 13, 19, 0), 8 * 60, calendar("ZZ")) == \
        paris(2026, 7, 14, 17, 0)


def test_the_dashboard_counts_open_breached_and_unassigned_tickets(world, clock):
    recorded = open_ticket(world, clock, paris(2026, 11, 28, 23, 50), "P1")
    open_ticket(world, clock, paris(2026, 11, 29, 4, 0), "P1")  # past due, not recorded yet
    assigned = open_ticket(world, clock, paris(2026, 11, 29, 5, 20), "P4")
    closed = open_ticket(world, clock, paris(2026, 11, 29, 1, 0), "P1")
    now = paris(2026, 11, 29, 5, 30)
    with tenant_context(world.alpha):
        services.record_breaches(paris(2026, 11, 29, 0, 50))
        # Answered and with a far target since: only its recorded breach still counts.
        Ticket.objects.filter(pk=recorded.pk).update(
            first_response_at=paris(2026, 11, 29, 1, 0),
            resolution_due_at=paris(2026, 12, 31, 9, 0))
        Ticket.objects.filter(pk=assigned.pk).update(assignee=world["alpha_agent"].user)
        Ticket.objects.filter(pk=closed.pk).update(status=Ticket.Status.CLOSED)
        figures = services.dashboard(world["alpha_admin"].user, now=now)
    assert (figures["open_count"], figures["breached_count"], figures["unassigned_count"]) == (
        3, 2, 2)
