"""Monthly reports (SPEC §9): generation, the CSM's review and publication, CSM hours, and
true-up quotes with their acceptance into a new baseline version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, Customer, visible_customers_q
from contracts.services import (
    baseline_for,
    current_baseline,
    record_baseline_version,
)
from portal.catalogue.models import Category
from portal.outbox.services import enqueue_on_commit
from portal.prepared import PreparedRows, prefetch_prepared
from portal.programme import whole_devices
from portal.users.models import Role, User
from portal.webhooks import services as webhooks
from portal.webhooks.models import Event

from . import figures, notifications, pdf, trueup
from .models import (
    CsmHours,
    MonthlyReport,
    ReportRun,
    ReportRunItem,
    TamHours,
    TrueUpQuote,
    TrueUpQuoteLine,
)
from .queries import index_quotes, index_reports

Status = MonthlyReport.Status


def reports_visible_to(user: User) -> QuerySet[MonthlyReport]:
    """Published reports for everyone; drafts and reviewed ones for partner staff too."""
    reports = MonthlyReport.objects.filter(visible_customers_q(user))
    if user.role == Role.CUSTOMER_USER:
        reports = reports.filter(status=MonthlyReport.Status.PUBLISHED)
    return reports


def previous_month(today: date) -> date:
    return figures.add_months(date(today.year, today.month, 1), -1)


def customers_to_report(month: date) -> QuerySet[Customer]:
    """Customers with a contract in force (active, or since expired) during the month."""
    contracts = Contract.objects.in_force(month, figures.month_end(month))
    return Customer.objects.filter(contracts__in=contracts).distinct().order_by("pk")


def generate_report(customer: Customer, month: date,
                    now: datetime | None = None) -> MonthlyReport | None:
    """The customer's report of `month`: created, or its draft recomputed; a published
    (or reviewed) report is left as it is. None when no contract was in force."""
    now = now or timezone.now()
    contract = figures.contract_for_month(customer, month)
    if contract is None:
        return None
    with transaction.atomic():
        report = (MonthlyReport.objects.select_for_update()
                  .filter(customer=customer, month=month).first())
        if report is not None and report.status != Status.DRAFT:
            return report
        # Stored as JSON: the same plain values whether read back or just made.
        data = figures.compute(customer, month, contract).to_json()
        if report is None:
            try:
                with transaction.atomic():
                    created = MonthlyReport.objects.create(
                        customer=customer, month=month, contract=contract, figures=data,
                        generated_at=now)
                    index_reports([created.pk])  # the console's queue, in this transaction
                    return created
            except IntegrityError:
                # Another worker created it meanwhile: recompute into that draft below.
                report = MonthlyReport.objects.select_for_update().get(customer=customer,
                                                                       month=month)
                if report.status != Status.DRAFT:
                    return report
        report.contract, report.figures, report.generated_at = contract, data, now
        report.save()
        index_reports([report.pk])
        return report


def start_run(month: date, requested_by: str = "") -> ReportRun:
    """A partner-wide run: one task per customer, each recorded on the run as it ends."""
    customer_ids = list(customers_to_report(month).values_list("pk", flat=True))
    with transaction.atomic():
        run = ReportRun.objects.create(month=month, requested_by=requested_by,
                                       total=len(customer_ids))
        ReportRunItem.objects.bulk_create([ReportRunItem(run=run, customer_id=customer_id)
                                           for customer_id in customer_ids])
        _queue(run, customer_ids)
    return run


def _queue(run: ReportRun, customer_ids: list[int]) -> None:
    # tasks.py imports this module: a cycle at start-up.
    from .tasks import generate_monthly_report

    for customer_id in customer_ids:
        enqueue_on_commit(generate_monthly_report, customer_id, run.month.isoformat(), run.pk)


def _settle(run_id: int, customer_id: int, status: str, attempts: int,
            reason: str = "") -> None:
    """Records how one customer's report of the run ended, and recounts the run.

    The run's row is locked and its counts are recounted from its items, so a task
    delivered twice (or a late success after a recorded failure) never counts twice."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return
        item, _created = ReportRunItem.objects.get_or_create(
            run=run, customer_id=customer_id)
        if item.status == ReportRunItem.Status.DONE:
            return
        item.status, item.reason, item.attempts = status, reason, attempts
        item.save(update_fields=["status", "reason", "attempts", "updated_at"])
        counts = dict(run.items.values_list("status").annotate(n=Count("pk")).order_by())
        run.done = counts.get(ReportRunItem.Status.DONE, 0)
        run.failed = counts.get(ReportRunItem.Status.FAILED, 0)
        run.save(update_fields=["done", "failed"])


def count_done(run_id: int, customer_id: int, attempts: int = 1) -> None:
    _settle(run_id, customer_id, ReportRunItem.Status.DONE, attempts)


def record_failure(run_id: int, customer_id: int, reason: str, attempts: int) -> None:
    """The customer's report failed for good (its retries spent): the run can end."""
    _settle(run_id, customer_id, ReportRunItem.Status.FAILED, attempts, reason)


def retry_failed(run: ReportRun) -> int:
    """Queues the failed customers of the run again; the number queued."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run.pk)
        failed = run.items.filter(status=ReportRunItem.Status.FAILED)
        customer_ids = list(failed.values_list("customer_id", flat=True))
        failed.update(status=ReportRunItem.Status.QUEUED, reason="", attempts=0)
        run.failed = 0
        run.save(update_fields=["failed"])
        _queue(run, customer_ids)
    return len(customer_ids)


# --- Review and publication ---------------------------------------------------------------

def _actor(user: User) -> str:
    return user.display_name


@transaction.atomic
def save_notes(report: MonthlyReport, notes: str) -> MonthlyReport:
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ValidationError(_("A published report cannot be changed."))
    report.csm_notes = notes.strip()
    report.save(update_fields=["csm_notes", "updated_at"])
    return report


@transaction.atomic
def mark_reviewed(report: MonthlyReport, user: User,
                  now: datetime | None = None) -> MonthlyReport:
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be marked reviewed."))
    report.status, report.reviewed_at, report.reviewed_by = Status.REVIEWED, \
        now or timezone.now(), _actor(user)
    report.save()
    index_reports([report.pk])
    return report


@transaction.atomic
def publish(report: MonthlyReport, user: User, now: datetime | None = None,
            notify: bool = True) -> MonthlyReport:
    """Publishes a reviewed report: its PDF is drawn once, and partner staff and the
    customer's users are told."""
    report = MonthlyReport.objects.select_for_update().select_related("customer").get(
        pk=report.pk)
    if report.status != Status.REVIEWED:
        raise ValidationError(_("Review the report before publishing it."))
    report.status, report.published_at, report.published_by = Status.PUBLISHED, \
        now or timezone.now(), _actor(user)
    report.pdf.save("report.pdf", pdf.render_report_pdf(report), save=False)
    report.save()
    index_reports([report.pk])
    if notify:
        notifications.report_published(report)
    webhooks.emit(Event.REPORT_PUBLISHED, webhooks.report_payload(report))
    return report


@transaction.atomic
def reopen(report: MonthlyReport) -> MonthlyReport:
    """A reviewed report back to draft (to regenerate it or change the notes)."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.REVIEWED:
        raise ValidationError(_("Only a reviewed report can go back to draft."))
    report.status, report.reviewed_at, report.reviewed_by = Status.DRAFT, None, ""
    report.save()
    index_reports([report.pk])
    return report


def _checked_hours(hours: Decimal | int | None, description: str) -> Decimal:
    if hours is None or hours <= 0:
        raise ValidationError({"hours": _("Enter the hours spent, more than zero.")})
    if hours > 24:
        raise ValidationError({"hours": _("A day has 24 hours at most.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Say what was done.")})
    return Decimal(hours)


def log_csm_hours(customer: Customer, user: User, *, worked_on: date,
                  hours: Decimal | int | None, description: str) -> CsmHours:
    checked = _checked_hours(hours, description)
    return CsmHours.objects.create(customer=customer, worked_on=worked_on,
                                   hours=checked, description=description.strip(),
                                   csm_name=user.display_name, csm_email=user.email)


def log_tam_hours(contract: Contract, user: User, *, worked_on: date,
                  hours: Decimal | int | None, description: str) -> TamHours:
    """Technical account management time on `contract`, within its term."""
    checked = _checked_hours(hours, description)
    if not contract.start <= worked_on <= contract.end:
        raise ValidationError({"worked_on": _("Choose a day within the contract's term.")})
    return TamHours.objects.create(contract=contract, worked_on=worked_on,
                                   hours=checked, description=description.strip(),
                                   engineer_name=user.display_name, engineer_email=user.email)


# --- True-up quotes -------------------------------------------------------------------------

@transaction.atomic
def issue_quote(report: MonthlyReport, user: User, adjustment_month: date | None = None,
                now: datetime | None = None, notify: bool = True) -> TrueUpQuote:
    """A quote from the report's counts; an open quote of the contract is superseded."""
    now = now or timezone.now()
    report = MonthlyReport.objects.select_related("contract").get(pk=report.pk)
    contract = report.contract
    adjustment_month = trueup.first_of_month(
        adjustment_month or figures.add_months(report.month, 1))
    if not contract.start <= figures.month_end(adjustment_month) or \
            adjustment_month > contract.end:
        raise ValidationError({"adjustment_month": _(
            "The adjustment month must fall within the contract's term.")})
    prices = {line.category: line.annual_price for line in contract.lines.all()}
    stored = report.read_figures()
    rows = [(row.category, row.ordered, row.actual, prices.get(row.category, Decimal("0")))
            for row in (stored.categories if stored else [])]
    lines, total = trueup.quote_lines(rows, adjustment_month, contract.end)
    if not lines:
        raise ValidationError(_("No category of this report is due for a true-up."))
    superseded = TrueUpQuote.objects.select_for_update().filter(
        contract=contract, status=TrueUpQuote.Status.ISSUED)
    superseded_ids = dict(superseded.values_list("pk", "report_id"))
    superseded_reports = list(superseded_ids.values())
    superseded.update(status=TrueUpQuote.Status.SUPERSEDED, updated_at=timezone.now())
    quote = TrueUpQuote.objects.create(
        report=report, contract=contract, adjustment_month=adjustment_month,
        term_end=contract.end, months=trueup.months_to_term_end(adjustment_month,
                                                                contract.end),
        currency=contract.currency, total=total, issued_by=_actor(user), issued_at=now)
    TrueUpQuoteLine.objects.bulk_create([
        TrueUpQuoteLine(quote=quote, category=line.category, ordered=line.ordered,
                        actual=line.actual, added=line.added, annual_price=line.annual_price,
                        months=line.months, amount=line.amount) for line in lines])
    index_reports([report.pk, *superseded_reports])
    index_quotes([quote.pk, *superseded_ids])
    if notify:
        notifications.quote_issued(quote)
    webhooks.emit(Event.TRUE_UP_QUOTED, webhooks.quote_payload(quote))
    return quote


@transaction.atomic
def accept_quote(quote: TrueUpQuote, user: User, po_number: str | None,
                 now: datetime | None = None) -> TrueUpQuote:
    """The partner's purchase order: a new baseline version from the adjustment month,
    ordered = the new totals (baseline = ordered × 1.05)."""
    quote = TrueUpQuote.objects.select_for_update().select_related("contract").get(
        pk=quote.pk)
    if quote.status != TrueUpQuote.Status.ISSUED:
        raise ValidationError(_("This quote is %(status)s and can no longer be accepted.") % {
            "status": quote.get_status_display().lower()})
    po_number = (po_number or "").strip()
    if not po_number:
        raise ValidationError({"po_number": _("Enter your purchase-order number.")})
    ordered = {category: entry.ordered
               for category, entry in current_baseline(quote.contract).items()}
    for line in quote.lines.all():
        ordered[line.category] = line.actual
    version = record_baseline_version(
        quote.contract, effective_date=quote.adjustment_month,
        reason=_("True-up %(quote)s, purchase order %(po)s") % {
            "quote": quote.reference, "po": po_number},
        author=user.email, ordered=ordered)
    quote.status, quote.po_number, quote.decided_by, quote.decided_at = \
        TrueUpQuote.Status.ACCEPTED, po_number, user, now or timezone.now()
    quote.baseline_version = version
    quote.save()
    index_reports([quote.report_id])
    index_quotes([quote.pk])
    notifications.quote_decided.send(sender=TrueUpQuote, quote=quote)
    webhooks.emit(Event.TRUE_UP_ACCEPTED, webhooks.quote_decision_payload(quote))
    return quote


@dataclass
class BaselineAfter:
    category: str
    label: str
    ordered: int
    baseline: Decimal
    whole: int
    changed: bool


def baseline_after(quote: TrueUpQuote) -> list[BaselineAfter]:
    """The baseline per category that accepting `quote` would put in force (what
    accept_quote records), for the confirmation page."""
    ordered = {category: entry.ordered
               for category, entry in current_baseline(quote.contract).items()}
    changed = {line.category: line.actual for line in quote.lines.all()}
    ordered.update(changed)
    labels = dict(Category.choices)
    return [BaselineAfter(category, str(labels.get(category, category)), count,
                          baseline_for(count), whole_devices(baseline_for(count)),
                          category in changed)
            for category, count in sorted(ordered.items())]


@transaction.atomic
def decline_quote(quote: TrueUpQuote, user: User, reason: str,
                  now: datetime | None = None) -> TrueUpQuote:
    quote = TrueUpQuote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != TrueUpQuote.Status.ISSUED:
        raise ValidationError(_("This quote is %(status)s and can no longer be declined.") % {
            "status": quote.get_status_display().lower()})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the quote is declined.")})
    quote.status, quote.decline_reason, quote.decided_by, quote.decided_at = \
        TrueUpQuote.Status.DECLINED, reason.strip(), user, now or timezone.now()
    quote.save()
    index_reports([quote.report_id])
    index_quotes([quote.pk])
    notifications.quote_decided.send(sender=TrueUpQuote, quote=quote)
    webhooks.emit(Event.TRUE_UP_DECLINED, webhooks.quote_decision_payload(quote))
    return quote


# --- A report's page in the console, read all day: through SQL compiled once per thread ---

def quotes_of_report(report: MonthlyReport) -> list[TrueUpQuote]:
    """The report's true-up quotes with their lines."""
    quotes = PreparedRows("report-quotes", TrueUpQuote, lambda report: TrueUpQuote.objects
                          .filter(report=report), {"report": TrueUpQuote._meta.get_field(
                              "report")}, {"report": report.pk}).all()
    prefetch_prepared(quotes, "lines", TrueUpQuoteLine, "quote")
    return quotes


def latest_csm_hours(customer_id: int, limit: int) -> list[CsmHours]:
    """The CSM hours last recorded for the customer, in their order."""
    return PreparedRows(f"latest-csm-hours:{limit}", CsmHours, lambda customer: CsmHours
                        .objects.filter(customer=customer)[:limit],
                        {"customer": CsmHours._meta.get_field("customer")},
                        {"customer": customer_id}).all()


def latest_tam_hours(contract_id: int | None, limit: int) -> list[TamHours]:
    """The TAM hours last recorded on the contract, in their order."""
    if contract_id is None:
        return []
    return PreparedRows(f"latest-tam-hours:{limit}", TamHours, lambda contract: TamHours
                        .objects.filter(contract=contract)[:limit],
                        {"contract": TamHours._meta.get_field("contract")},
                        {"contract": contract_id}).all()
