"""Advance hardware replacement (SPEC §8): who may have a replacement, when it ships, what it
costs beyond the headset threshold, and its lifecycle.

Row locks: an action that locks several rows takes them in this order, and only in it, so
that two actions can wait for each other but never in a circle (a deadlock):

1. the customer (`lock_customer`): the serialisation point of everything counted per
   customer, above all the headset allowance settled at approval;
2. the RMA (its own row only, never the rows it joins);
3. the devices: the defective one, then its replacement.

An action may skip a step, never go back to an earlier one. Ticket actions lock their ticket
only (tickets/services.py), never its customer: a request refers to its ticket while it holds
the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries.fields import Country

from contracts.models import (
    BaselineEntry,
    BaselineVersion,
    Contract,
    Customer,
    visible_customers_q,
    visible_prepared,
)
from inventory.coverage import device_coverage
from inventory.models import Device, normalise_serial
from portal.catalogue.models import Category
from portal.formats import time_of_day
from portal.prepared import PreparedRows, totals
from portal.programme import rule
from portal.users.models import Role, User
from portal.webhooks import services as webhooks
from portal.webhooks.models import Event

from .. import services as ticket_services
from ..models import Rma, RmaQuerySet, RmaStep, Ticket
from ..queries import index_rmas
from ..sla import public_holidays
from . import notifications

Status = Rma.Status
# Approved and every step after it: what the headset threshold counts.
COUNTED_STATUSES = (Status.APPROVED, Status.SHIPPED, Status.DELIVERED, Status.RECEIVED,
                    Status.CLOSED)
NEXT = {
    Status.REQUESTED: {Status.APPROVED, Status.REJECTED},
    Status.APPROVED: {Status.SHIPPED},
    Status.SHIPPED: {Status.DELIVERED},
    Status.DELIVERED: {Status.RECEIVED},
    Status.RECEIVED: {Status.CLOSED},
    Status.CLOSED: set(),
    Status.REJECTED: set(),
}


def rmas_visible_to(user: User) -> RmaQuerySet:
    return Rma.objects.filter(visible_customers_q(user))


# What a replacement's page shows with it.
RMA_PAGE_RELATED = ("customer", "device", "product_model", "replacement", "ticket")


def rma_visible_to(user: User, pk: int) -> Rma | None:
    """The replacement `pk` with what its page shows, if `user` may see it."""
    rows = visible_prepared(
        user, "rma", Rma, lambda visible, pk: Rma.objects.select_related(*RMA_PAGE_RELATED)
        .filter(visible, pk=pk), {"pk": Rma._meta.pk}, {"pk": pk})
    return rows.first() if rows else None


def rma_of_partner(pk: int) -> Rma | None:
    """The replacement `pk` of the current partner's schema with what its page shows: the
    vendor console's read, for whom every replacement of a partner is visible."""
    return PreparedRows("console-rma", Rma, lambda pk: Rma.objects
                        .select_related(*RMA_PAGE_RELATED).filter(pk=pk),
                        {"pk": Rma._meta.pk}, {"pk": pk}).first()


def steps_of(rma: Rma) -> list[RmaStep]:
    """The replacement's steps, in their order."""
    return PreparedRows("rma-steps", RmaStep, lambda rma: RmaStep.objects.filter(rma=rma),
                        {"rma": RmaStep._meta.get_field("rma")}, {"rma": rma.pk}).all()


def rmas_of_device(user: User, device: Device) -> list[Rma]:
    """The replacements of `device` and the one that brought it in, that `user` may see,
    latest first, with both devices."""
    rows = visible_prepared(
        user, "device-rmas", Rma, lambda visible, device: Rma.objects.filter(
            visible, Q(device=device) | Q(replacement=device))
        .select_related("device", "replacement").order_by("-requested_at", "-pk"),
        {"device": Rma._meta.get_field("device")}, {"device": device.pk})
    return rows.all() if rows else []


# --- Next business day ------------------------------------------------------------------

def is_business_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in public_holidays(country, day.year)


def next_business_day(day: date, country: str) -> date:
    day += timedelta(days=1)
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def order_cutoff() -> time:
    hours, minutes = settings.RMA_ORDER_CUTOFF.split(":")
    return time(int(hours), int(minutes))


def order_day(requested_at: datetime, country: str, time_zone: str) -> date:
    """The business day a request counts on (SPEC §8): its own day when made on a business
    day of the ship-to country before the cut-off (local time of the ship-to); otherwise the
    next business day, as if made at its start. One reading for after the cut-off and for
    weekends and holidays alike, so a later request never counts on an earlier day."""
    local = requested_at.astimezone(ZoneInfo(time_zone))
    if is_business_day(local.date(), country) and local.time() < order_cutoff():
        return local.date()
    return next_business_day(local.date(), country)


def promised_ship_date(requested_at: datetime, country: str, time_zone: str) -> date:
    """The business day after the one the request counts on (`order_day`)."""
    return next_business_day(order_day(requested_at, country, time_zone), country)


def ship_date_rule(country: str) -> str:
    """`promised_ship_date` in words, in the active language, naming the ship-to country."""
    return _("Requested on a business day before %(cutoff)s (local time of the ship-to "
             "address), a replacement ships on the next business day. Requested after "
             "%(cutoff)s, or on a weekend or a public holiday, it ships on the second "
             "business day after the request. Business days and public holidays: "
             "%(country)s.") % {"cutoff": time_of_day(order_cutoff()),
                               "country": Country(country).name}


def customer_ship_date(customer: Customer, now: datetime | None = None) -> date:
    return promised_ship_date(now or timezone.now(), str(customer.country),
                              customer.time_zone)


# --- Late replacements ------------------------------------------------------------------

# Not shipped yet: once its promised ship date has passed, such a replacement is late.
UNSHIPPED = (Status.REQUESTED, Status.APPROVED)


@dataclass(frozen=True)
class Lateness:
    """How far past its promised ship date an unshipped replacement is, in the ship-to's
    local days: calendar days, and business days of the ship-to country among them."""

    calendar_days: int
    business_days: int


def lateness(status: str, promised: date, country: str, time_zone: str,
             now: datetime | None = None) -> Lateness | None:
    """None when not late: shipped, or still on (or before) its promised ship date in the
    ship-to's local time."""
    if status not in UNSHIPPED:
        return None
    today = (now or timezone.now()).astimezone(ZoneInfo(time_zone)).date()
    if today <= promised:
        return None
    days = (today - promised).days
    return Lateness(days, business_days_after(promised, today, country))


def business_days_after(start: date, end: date, country: str) -> int:
    """The business days of `country` in (start, end]: weekdays counted by whole weeks,
    less the public holidays on weekdays, a year's holidays at a time (a replacement a
    year late costs the same as one a day late)."""
    weeks, rest = divmod((end - start).days, 7)
    weekdays = weeks * 5 + sum(1 for offset in range(1, rest + 1)
                               if (start + timedelta(days=offset)).weekday() < 5)
    holidays = sum(1 for year in range(start.year, end.year + 1)
                   for day in public_holidays(country, year)
                   if start < day <= end and day.weekday() < 5)
    return weekdays - holidays


def late_q(time_zone_field: str, now: datetime | None = None) -> Q:
    """The rows `lateness` calls late, for a query: `time_zone_field` names the column of
    the ship-to's time zone."""
    now = now or timezone.now()
    # An instant, or a Param standing for one (portal/prepared.py).
    instant = now if hasattr(now, "resolve_expression") else Value(now)
    local_today = Cast(Func(F(time_zone_field), instant, function="timezone",
                            output_field=DateTimeField()), DateField())
    # The status first: most replacements have shipped, and their row then needs no local
    # day of its own (PostgreSQL stops an AND at its first false).
    return Q(status__in=UNSHIPPED) & Q(promised_ship_date__lt=local_today)


def late_first(time_zone_field: str, now: datetime | None = None) -> ExpressionWrapper:
    """An ordering key putting late rows first (descending: True before False)."""
    return ExpressionWrapper(late_q(time_zone_field, now), output_field=BooleanField())


# --- Headset threshold ------------------------------------------------------------------

def contracted_headsets(customer: Customer, on_date: date) -> int:
    """The ordered headset quantity of the customer's contract in force on `on_date`, in
    the baseline version of that day (`Contract.baseline_version_on`): one query rather
    than one for the contract, its version and the entry."""
    def entry(customer: Any, on_date: Any) -> QuerySet:
        contract = Contract.objects.in_force(on_date).filter(customer=customer).order_by(
            "-start").values("pk")[:1]
        # The version `Contract.baseline_version_on` gives, in the same statement.
        version = BaselineVersion.objects.filter(contract=Subquery(contract)).in_force_first(
            on_date).values("pk")[:1]
        return BaselineEntry.objects.filter(version=Subquery(version),
                                            category=Category.HEADSETS).values("ordered")[:1]

    # Every replacement's page and request reads it: compiled once per thread.
    found = PreparedRows("contracted-headsets", BaselineEntry, entry,
                         {"customer": Contract._meta.get_field("customer"),
                          "on_date": Contract._meta.get_field("start")},
                         {"customer": customer.pk, "on_date": on_date}).first()
    return (found["ordered"] if found else None) or 0


def is_chargeable(ordinal: int, base: int) -> bool:
    """The `ordinal`-th headset replacement of a year is chargeable once the rate it makes,
    ordinal ÷ base, goes beyond the threshold (with no base, every one is)."""
    return Decimal(ordinal) > Decimal(base) * rule("HEADSET_RMA_THRESHOLD")


@dataclass
class HeadsetRate:
    year: int
    base: int
    approved: int
    chargeable: int
    charges: Decimal
    threshold: Decimal

    @property
    def rate(self) -> Decimal | None:
        """approved ÷ base, or None without a base."""
        return Decimal(self.approved) / self.base if self.base else None

    @property
    def percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else (rate * 100).quantize(Decimal("0.1"))

    @property
    def threshold_percent(self) -> Decimal:
        return (self.threshold * 100).quantize(Decimal("0.1"))

    @property
    def free_left(self) -> int:
        return max(int(self.base * self.threshold) - self.approved, 0)

    @property
    def above_threshold(self) -> bool:
        return is_chargeable(self.approved, self.base) if self.approved else False


def _year_range(year: int, time_zone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(time_zone)
    return (datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone))


def request_year(rma: Rma) -> int:
    """The calendar year an RMA counts in: its request date in the customer's time zone."""
    return rma.customer.today(rma.requested_at).year


def rate_of_rma_year(rma: Rma) -> HeadsetRate | None:
    """The headset rate of the year the RMA counts in, or None for other categories."""
    if rma.category != Category.HEADSETS:
        return None
    return headset_rate(rma.customer, request_year(rma))


def headset_rmas(customer: Customer, year: int) -> RmaQuerySet:
    return _headset_rmas(customer, *_year_range(year, customer.time_zone))


def _headset_rmas(customer: Any, start: Any, end: Any) -> RmaQuerySet:
    return Rma.objects.filter(customer=customer, category=Category.HEADSETS,
                              requested_at__gte=start, requested_at__lt=end)


def headset_rate(customer: Customer, year: int, on_date: date | None = None,
                 until: datetime | None = None) -> HeadsetRate:
    """Headset replacements of a calendar year (by request date, up to `until` if given)
    against the contracted headset base."""
    on_date = on_date or customer.today()
    limited = until is not None

    def figures(customer: Any, start: Any, end: Any, until: Any = None) -> QuerySet:
        counted = _headset_rmas(customer, start, end).filter(status__in=COUNTED_STATUSES)
        if limited:
            counted = counted.filter(requested_at__lt=until)
        charged = Q(chargeable=True)
        return totals(counted, counted=Count("pk"), charged=Count("pk", filter=charged),
                      charges=Sum("charge", filter=charged))

    instant = Rma._meta.get_field("requested_at")
    start, end = _year_range(year, customer.time_zone)
    # Every replacement's page, the dashboards and the requests read it: compiled once per
    # thread (an aggregate always gives its one row).
    found = PreparedRows(
        f"headset-rate:{limited}", Rma, figures,
        {"customer": Rma._meta.get_field("customer"), "start": instant, "end": instant,
         **({"until": instant} if limited else {})},
        {"customer": customer.pk, "start": start, "end": end, "until": until}).first()
    return HeadsetRate(
        year=year, base=contracted_headsets(customer, on_date), approved=found["counted"],
        chargeable=found["charged"],
        charges=found["charges"] if found["charges"] is not None else Decimal("0.00"),
        threshold=rule("HEADSET_RMA_THRESHOLD"))


# --- Request ----------------------------------------------------------------------------

def find_device(customer: Customer, serial: str) -> Device:
    """The customer's device with this serial; a ValidationError saying why not otherwise."""
    serial = normalise_serial(serial)
    if not serial:
        raise ValidationError({"serial": _("Enter the serial number of the defective "
                                           "device.")})
    device = Device.objects.select_related("product_model", "customer").filter(
        serial=serial).first()
    if device is None:
        raise ValidationError({"serial": _("No device with the serial number “%(serial)s” "
                                           "is registered. Register it first, or check the "
                                           "number on the device's label.") % {
            "serial": serial}})
    if device.customer_id != customer.pk:
        # Never say whose it is.
        raise ValidationError({"serial": _("The serial number “%(serial)s” is registered to "
                                           "another customer.") % {"serial": serial}})
    return device


def open_rma_of(device: Device) -> Rma | None:
    return Rma.objects.open().filter(device=device).first()


def already_under_way(rma: Rma) -> str:
    return _("A replacement of this device is already under way: %(reference)s.") % {
        "reference": rma.reference}


def refusal(device: Device, now: datetime | None = None) -> str | None:
    """Why this device cannot have a replacement now, or None."""
    now = now or timezone.now()
    if device.status != Device.Status.ACTIVE:
        return _("This device is %(status)s: only an active device can be replaced.") % {
            "status": device.get_status_display().lower()}
    under_way = open_rma_of(device)
    if under_way is not None:
        return already_under_way(under_way)
    on_date = device.customer.today(now)
    contract = (Contract.objects.active().in_force(on_date).filter(customer=device.customer_id)
                .prefetch_related("lines").first())
    covered = device_coverage(device, on_date, contract)
    if not covered:
        return _("This device is not covered: %(reasons)s") % {
            "reasons": " ".join(str(message) for message in covered.messages)}
    return None


@dataclass
class Preview:
    device: Device
    promised_ship_date: date
    chargeable: bool
    charge: Decimal | None
    rate: HeadsetRate | None


def preview(customer: Customer, serial: str, now: datetime | None = None) -> Preview:
    """What a request would give, before it is made (the request page shows it)."""
    now = now or timezone.now()
    device = find_device(customer, serial)
    reason = refusal(device, now)
    if reason:
        raise ValidationError({"serial": reason})
    rate, chargeable, charge = None, False, None
    if device.product_model.category == Category.HEADSETS:
        rate = headset_rate(customer, customer.today(now).year)
        chargeable = is_chargeable(rate.approved + 1, rate.base)
        charge = device.product_model.list_price if chargeable else None
    return Preview(device, customer_ship_date(customer, now), chargeable, charge, rate)


def _step(rma: Rma, status: str, user: User, at: datetime, note: str = "") -> None:
    RmaStep.objects.create(rma=rma, status=status, actor_name=user.display_name,
                           actor_email=user.email, from_vendor=not ticket_services.is_local(user),
                           note=note, at=at)


def lock_customer(customer: Customer) -> None:
    """Takes the customer's row lock, the first of the lock order (module docstring), until
    the end of the transaction. `no_key`: rows that merely refer to the customer (a ticket
    being changed beside the approval, its audit entries) need not wait for it; two of
    these locks still wait for each other."""
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).values_list(
        "pk", flat=True).get()


@transaction.atomic
def request_rma(*, user: User, customer: Customer, serial: str, fault: str,
                ticket: Ticket | None = None, now: datetime | None = None) -> Rma:
    """Creates the RMA (and its hardware ticket when it comes from nowhere else)."""
    now = now or timezone.now()
    if not (fault or "").strip():
        raise ValidationError({"fault": _("Describe the fault.")})
    if user.role == Role.CUSTOMER_USER and user.customer_id != customer.pk:
        raise ValidationError({"serial": _("You can only request replacements for your own "
                                           "organisation.")})
    planned = preview(customer, serial, now)
    # Lock order (module docstring): the customer, then the device. The device's lock makes
    # a second request for it (the same form sent twice) wait for the first, then see it.
    lock_customer(customer)
    device = Device.objects.select_for_update(no_key=True).get(pk=planned.device.pk)
    under_way = open_rma_of(device)
    if under_way is not None:
        raise ValidationError({"serial": already_under_way(under_way)})
    if ticket is None:
        ticket = ticket_services.open_ticket(
            user=user, customer=customer, device=device, category=Ticket.Category.HARDWARE,
            priority=Ticket.Priority.P3, description=fault.strip(),
            subject=_("Replacement of %(serial)s") % {"serial": device.serial}, now=now)
    elif ticket.customer_id != customer.pk:
        raise ValidationError(_("This ticket belongs to another customer."))
    try:
        with transaction.atomic():
            rma = Rma.objects.create(
                ticket=ticket, customer=customer, device=device,
                product_model=device.product_model, category=device.product_model.category,
                fault=fault.strip(),
                requested_by=user if ticket_services.is_local(user) else None,
                requested_at=now, ship_to_country=str(customer.country),
                promised_ship_date=planned.promised_ship_date,
                chargeable=planned.chargeable, charge=planned.charge)
    except IntegrityError as error:
        # one_open_rma_per_device: a request that did not take the device's lock got there
        # first. Name it rather than fail.
        under_way = open_rma_of(device)
        if under_way is None:
            raise
        raise ValidationError({"serial": already_under_way(under_way)}) from error
    _step(rma, Status.REQUESTED, user, now)
    index_rmas([rma.pk])  # the console's replacements, in this transaction
    notifications.rma_status_changed(rma)
    webhooks.emit(Event.RMA_STATUS_CHANGED, webhooks.rma_payload(rma))
    return rma


# --- Lifecycle --------------------------------------------------------------------------

def allowed_statuses(rma: Rma, user: User) -> set[Rma.Status]:
    if user.role == Role.CUSTOMER_USER:
        return set()
    return NEXT[Status(rma.status)]


@transaction.atomic
def advance(rma: Rma, new_status: str, *, user: User, now: datetime | None = None,
            note: str = "", carrier: str = "", tracking_number: str = "",
            replacement_serial: str = "") -> Rma:
    """Moves an RMA one step on, recording who and when."""
    now = now or timezone.now()
    # Lock order (module docstring): the customer, then the RMA's own row (`of`: a bare
    # select_for_update would also lock the device, model and customer rows it joins, in
    # the join's order), then the devices (_ship).
    lock_customer(rma.customer)
    rma = Rma.objects.select_for_update(of=("self",)).select_related(
        "device", "product_model", "customer").get(pk=rma.pk)
    if new_status not in allowed_statuses(rma, user):
        raise ValidationError(_("An RMA that is “%(current)s” cannot become “%(new)s”.") % {
            "current": rma.get_status_display(),
            "new": Status(new_status).label if new_status in Status.values else new_status})
    if new_status == Status.APPROVED:
        _settle_charge(rma, now)
        rma.approved_at = now
    elif new_status == Status.REJECTED and not note.strip():
        raise ValidationError({"note": _("Say why the replacement is refused.")})
    elif new_status == Status.SHIPPED:
        _ship(rma, now, carrier, tracking_number, replacement_serial)
    elif new_status == Status.DELIVERED:
        rma.delivered_at = now
    elif new_status == Status.RECEIVED:
        rma.received_at = now
    elif new_status == Status.CLOSED:
        rma.closed_at = now
    rma.status = new_status
    rma.save()
    _step(rma, new_status, user, now, note.strip())
    index_rmas([rma.pk])
    notifications.rma_status_changed(rma)
    webhooks.emit(Event.RMA_STATUS_CHANGED, webhooks.rma_payload(rma))
    return rma


def _settle_charge(rma: Rma, now: datetime) -> None:
    """The charge is fixed at approval, against the replacements approved before it."""
    if rma.category != Category.HEADSETS:
        rma.chargeable, rma.charge = False, None
        return
    # advance() holds the customer's lock: approvals of one customer are serialised, so two
    # at once cannot both take the last free replacement.
    year = request_year(rma)
    approved_before = headset_rmas(rma.customer, year).filter(
        status__in=COUNTED_STATUSES).exclude(pk=rma.pk).count()
    base = contracted_headsets(rma.customer, rma.customer.today(rma.requested_at))
    rma.chargeable = is_chargeable(approved_before + 1, base)
    rma.charge = rma.product_model.list_price if rma.chargeable else None


def _ship(rma: Rma, now: datetime, carrier: str, tracking_number: str,
          replacement_serial: str) -> None:
    errors = {}
    if not carrier.strip():
        errors["carrier"] = _("Enter the carrier.")
    if not tracking_number.strip():
        errors["tracking_number"] = _("Enter the tracking number.")
    serial = normalise_serial(replacement_serial)
    if not serial:
        errors["replacement_serial"] = _("Enter the serial number of the replacement device.")
    elif Device.objects.filter(serial=serial).exists():
        errors["replacement_serial"] = _("A device with this serial number is already "
                                         "registered.")
    if errors:
        raise ValidationError(errors)
    replacement = Device(
        serial=serial, product_model=rma.product_model, customer=rma.customer,
        site=rma.device.site, room=rma.device.room, source=Device.Source.RMA,
        status=Device.Status.ACTIVE, first_seen=now, last_seen=now)
    try:
        replacement.full_clean(exclude=["customer", "product_model"])
    except ValidationError as error:
        raise ValidationError({"replacement_serial": error.messages}) from error
    replacement.save()
    rma.device.status = Device.Status.REPLACED
    rma.device.save()
    rma.replacement = replacement
    rma.carrier, rma.tracking_number, rma.shipped_at = carrier.strip(), \
        tracking_number.strip(), now
    webhooks.emit_devices_changed(
        rma.customer, "replaced", {"replaced": [rma.device.serial], "added": [serial]},
        {"replaced": 1, "added": 1}, rma={"id": rma.pk, "reference": rma.reference})


def overdue_returns(now: datetime | None = None) -> RmaQuerySet:
    """Delivered replacements whose defective unit is later than the setting allows and
    whose reminder has not gone out in that many days."""
    now = now or timezone.now()
    late = now - timedelta(days=settings.RMA_RETURN_REMINDER_DAYS)
    return (Rma.objects.filter(status=Status.DELIVERED, delivered_at__lte=late)
            .exclude(return_reminder_sent_at__gt=late).select_related("customer", "device"))


def send_return_reminders(now: datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for rma in overdue_returns(now):
        notifications.rma_return_reminder(rma)
        Rma.objects.filter(pk=rma.pk).update(return_reminder_sent_at=now)
        sent += 1
    return sent
