"""The figures of a monthly report (SPEC §9), read from contracts, inventory snapshots,
tickets and replacements; typed and kept as JSON by `report_figures`."""

import calendar
from dataclasses import asdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from contracts.models import Contract
from inventory.coverage import outdated_firmware_q
from inventory.models import Device, InventorySnapshot, SnapshotCount
from portal.catalogue.eligibility import Reason, coverage
from portal.catalogue.models import Category, ProductModel
from portal.prepared import PreparedRows, prefetch_prepared
from portal.programme import rule
from tickets.models import Breach, Escalation, Ticket
from tickets.rma.services import headset_rate

from . import trueup
from .models import CsmHours, TamHours
from .report_figures import (
    CategoryRow,
    ContractTerms,
    CountSource,
    CsmHoursFigures,
    FirmwareCompliance,
    HeadsetReplacements,
    ReportFigures,
    SlaResult,
    TamHoursFigures,
    TicketFigures,
    Trend,
    TrueUp,
    TrueUpLine,
    UncoveredModel,
)

HOURS_PER_BLOCK = 8
TREND_MONTHS = 12


def month_end(month):
    return date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def contract_for_month(customer, month):
    """The contract in force during the month (the latest to start), or None."""
    return (Contract.objects.in_force(month, month_end(month)).filter(customer=customer)
            .prefetch_related("lines").order_by("-start").first())


def _local_range(customer, first_day, last_day):
    zone = ZoneInfo(customer.time_zone)
    return (datetime.combine(first_day, datetime.min.time(), zone),
            datetime.combine(last_day + timedelta(days=1), datetime.min.time(), zone))


def _snapshots(customer, until):
    """{month: {category: covered}} from the last snapshot of each month up to `until`, and
    the latest snapshot itself."""
    snapshots = list(InventorySnapshot.objects.filter(customer=customer, taken_on__lte=until)
                     .prefetch_related("counts").order_by("taken_on", "created_at"))
    by_month = {}
    for snapshot in snapshots:
        by_month[date(snapshot.taken_on.year, snapshot.taken_on.month, 1)] = {
            count.category: count.covered for count in snapshot.counts.all()}
    return by_month, (snapshots[-1] if snapshots else None)


def latest_snapshot(customer, on_date):
    """The customer's latest inventory snapshot by `on_date`, with its counts, or None
    (two statements compiled once per thread)."""
    found = PreparedRows(
        "latest-snapshot", InventorySnapshot, lambda customer, on_date: InventorySnapshot
        .objects.filter(customer=customer, taken_on__lte=on_date)
        .order_by("-taken_on", "-created_at")[:1],
        {"customer": InventorySnapshot._meta.get_field("customer"),
         "on_date": InventorySnapshot._meta.get_field("taken_on")},
        {"customer": customer.pk, "on_date": on_date}).all()
    prefetch_prepared(found, "counts", SnapshotCount, "snapshot")
    return found[0] if found else None


def actual_counts(customer, on_date, latest=None):
    """The actual count per category on `on_date` and where it came from: the latest
    inventory snapshot by then (Poly Lens or registered), else the devices registered now.
    What the monthly report counts, and the contract and customer pages show today."""
    if latest is None:
        latest = latest_snapshot(customer, on_date)
    if latest is not None:
        return ({count.category: count.covered for count in latest.counts.all()},
                CountSource(kind=latest.source, date=latest.taken_on))
    return (dict(Device.objects.filter(customer=customer, status=Device.Status.ACTIVE)
                 .values_list("product_model__category").annotate(n=Count("pk")).order_by()),
            CountSource(kind="registered", date=on_date))


def _tickets(customer, start, end):
    tickets = Ticket.objects.filter(customer=customer)
    opened = tickets.filter(created_at__gte=start, created_at__lt=end)
    resolved = tickets.filter(resolved_at__gte=start, resolved_at__lt=end)
    sla = {}
    for priority in Ticket.Priority.values:
        of_priority = resolved.filter(priority=priority)
        total = of_priority.count()
        missed = of_priority.filter(breaches__isnull=False).distinct().count()
        sla[priority] = SlaResult(resolved=total, met=total - missed,
                                  percent=(Decimal(total - missed) * 100 / total)
                                  .quantize(Decimal("0.1")) if total else None)
    return TicketFigures(
        opened=opened.count(),
        resolved=resolved.count(),
        p1=opened.filter(priority=Ticket.Priority.P1).count(),
        escalations=Escalation.objects.upward().filter(
            ticket__customer=customer, created_at__gte=start, created_at__lt=end).count(),
        cloud_incidents=opened.exclude(cloud_partner="").count(),
        breaches=Breach.objects.filter(ticket__customer=customer, due_at__gte=start,
                                       due_at__lt=end).count(),
        sla=sla,
    )


def _devices(customer, on_date):
    """Firmware compliance, and the models found that the contract cannot cover."""
    active = Device.objects.filter(customer=customer, status=Device.Status.ACTIVE)
    firmware_total = active.exclude(firmware_version="").count()
    outdated = active.filter(outdated_firmware_q()).count()
    per_model = (active.values("product_model__sku", "product_model__name",
                               "product_model__category", "product_model__quote_only_line",
                               "product_model__end_of_life", "product_model__end_of_service")
                 .annotate(count=Count("pk")).order_by("product_model__sku"))
    uncovered = []
    for row in per_model:
        model = ProductModel(
            sku=row["product_model__sku"], category=row["product_model__category"],
            quote_only_line=row["product_model__quote_only_line"],
            end_of_life=row["product_model__end_of_life"],
            end_of_service=row["product_model__end_of_service"])
        reasons = [reason for reason in coverage(model, [model.category], on_date).reasons
                   if reason in (Reason.END_OF_LIFE, Reason.END_OF_SERVICE,
                                 Reason.QUOTE_ONLY)]
        if reasons:
            uncovered.append(UncoveredModel(
                sku=row["product_model__sku"], name=row["product_model__name"],
                category=row["product_model__category"], reason=reasons[0],
                count=row["count"]))
    firmware = FirmwareCompliance(
        reporting=firmware_total, outdated=outdated,
        percent_current=(Decimal(firmware_total - outdated) * 100 / firmware_total)
        .quantize(Decimal("0.1")) if firmware_total else None)
    return firmware, uncovered


def compute(customer, month, contract):
    """Every figure of the report of `customer` for `month` (its first day)."""
    last_day = month_end(month)
    start, end = _local_range(customer, month, last_day)
    version = contract.baseline_version_on(last_day)
    entries = {entry.category: entry for entry in version.entries.all()} if version else {}
    lines = {line.category: line for line in contract.lines.all()}
    by_month, latest = _snapshots(customer, last_day)
    actual, source = actual_counts(customer, last_day, latest)
    categories, rows = [], []
    for category in [c for c in Category.values if c in lines or c in entries]:
        ordered = entries[category].ordered if category in entries else 0
        count = actual.get(category, 0)
        ratio = trueup.change_ratio(ordered, count)
        due = trueup.true_up_due(ordered, count)
        categories.append(CategoryRow(
            category=category, ordered=ordered,
            baseline=entries[category].baseline if category in entries else Decimal(0),
            actual=count,
            change_percent=(ratio * 100).quantize(Decimal("0.1")) if ratio is not None
            else None,
            status="true_up_due" if due else "within_baseline",
        ))
        price = lines[category].annual_price if category in lines else Decimal("0")
        rows.append((category, ordered, count, price))
    adjustment_month = add_months(month, 1)
    quote, total = trueup.quote_lines(rows, adjustment_month, contract.end)
    trend_months = [add_months(month, offset) for offset in range(1 - TREND_MONTHS, 1)]
    hours = CsmHours.objects.filter(customer=customer, worked_on__gte=month,
                                    worked_on__lte=last_day).aggregate(used=Sum("hours"))
    tam = TamHours.objects.filter(contract=contract, worked_on__lte=last_day).aggregate(
        in_month=Sum("hours", filter=Q(worked_on__gte=month)), in_term=Sum("hours"))
    rate = headset_rate(customer, month.year, last_day, until=end)
    firmware, uncovered = _devices(customer, last_day)
    return ReportFigures(
        month=month,
        contract=ContractTerms(
            id=contract.pk, start=contract.start, end=contract.end,
            currency=contract.currency, status=contract.status,
            baseline_version=version.number if version else None,
            baseline_effective=version.effective_date if version else None),
        source=source,
        categories=categories,
        trend=Trend(months=trend_months,
                    series={row.category: [by_month.get(m, {}).get(row.category)
                                           for m in trend_months]
                            for row in categories}),
        true_up=TrueUp(
            due=bool(quote), adjustment_month=adjustment_month, term_end=contract.end,
            months=trueup.months_to_term_end(adjustment_month, contract.end),
            lines=[TrueUpLine(**asdict(line)) for line in quote],
            total=total, threshold_percent=rule("TRUE_UP_THRESHOLD") * 100,
        ),
        headsets=HeadsetReplacements(
            year=rate.year, base=rate.base, approved=rate.approved, percent=rate.percent,
            threshold_percent=rate.threshold_percent, chargeable=rate.chargeable,
            charges=rate.charges),
        tickets=_tickets(customer, start, end),
        firmware=firmware,
        uncovered=uncovered,
        uncovered_total=sum(item.count for item in uncovered),
        csm_hours=CsmHoursFigures(used=hours["used"] or Decimal("0"),
                                  purchased=contract.csm_blocks_per_month * HOURS_PER_BLOCK),
        tam_hours=TamHoursFigures(used_in_month=tam["in_month"] or Decimal("0"),
                                  used_in_term=tam["in_term"] or Decimal("0"),
                                  bought=contract.tam_hours),
    )
