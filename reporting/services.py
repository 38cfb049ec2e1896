"""Monthly reports (SPEC §9): generation, the CSM's review and publication, CSM hours, and
true-up quotes with their acceptance into a new baseline version."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, Customer
from contracts.services import current_baseline, record_baseline_version
from portal.tenants.tasks import enqueue_on_commit
from portal.users.models import Role
from portal.webhooks import services as webhooks
from portal.webhooks.models import Event

from . import figures, notifications, pdf, trueup
from .models import CsmHours, MonthlyReport, ReportRun, TrueUpQuote, TrueUpQuoteLine

Status = MonthlyReport.Status


def reports_visible_to(user):
    """Published reports for everyone; drafts and reviewed ones for partner staff too."""
    reports = MonthlyReport.objects.filter(customer__in=Customer.objects.visible_to(user))
    if user.role == Role.CUSTOMER_USER:
        reports = reports.filter(status=MonthlyReport.Status.PUBLISHED)
    return reports


def previous_month(today):
    return figures.add_months(date(today.year, today.month, 1), -1)


def customers_to_report(month):
    """Customers with a contract in force (active, or since expired) during the month."""
    contracts = Contract.objects.in_force(month, figures.month_end(month))
    return Customer.objects.filter(contracts__in=contracts).distinct().order_by("pk")


def generate_report(customer, month, now=None):
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
                    return MonthlyReport.objects.create(
                        customer=customer, month=month, contract=contract, figures=data,
                        generated_at=now)
            except IntegrityError:
                # Another worker created it meanwhile: recompute into that draft below.
                report = MonthlyReport.objects.select_for_update().get(customer=customer,
                                                                       month=month)
                if report.status != Status.DRAFT:
                    return report
        report.contract, report.figures, report.generated_at = contract, data, now
        report.save()
        return report


def start_run(month, requested_by=""):
    """A partner-wide run: one task per customer, counted on the run as they finish."""
    # tasks.py imports this module: a cycle at start-up.
    from .tasks import generate_monthly_report

    customer_ids = list(customers_to_report(month).values_list("pk", flat=True))
    run = ReportRun.objects.create(month=month, requested_by=requested_by,
                                   total=len(customer_ids))
    for customer_id in customer_ids:
        enqueue_on_commit(generate_monthly_report, customer_id, month.isoformat(), run.pk)
    return run


def count_done(run_id):
    from django.db.models import F

    ReportRun.objects.filter(pk=run_id).update(done=F("done") + 1)


# --- Review and publication ---------------------------------------------------------------

def _actor(user):
    return user.display_name


@transaction.atomic
def save_notes(report, notes):
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ValidationError(_("A published report cannot be changed."))
    report.csm_notes = notes.strip()
    report.save(update_fields=["csm_notes"])
    return report


@transaction.atomic
def mark_reviewed(report, user, now=None):
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be marked reviewed."))
    report.status, report.reviewed_at, report.reviewed_by = Status.REVIEWED, \
        now or timezone.now(), _actor(user)
    report.save()
    return report


@transaction.atomic
def publish(report, user, now=None, notify=True):
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
    if notify:
        notifications.report_published(report)
    webhooks.emit(Event.REPORT_PUBLISHED, webhooks.report_payload(report))
    return report


@transaction.atomic
def reopen(report):
    """A reviewed report back to draft (to regenerate it or change the notes)."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status != Status.REVIEWED:
        raise ValidationError(_("Only a reviewed report can go back to draft."))
    report.status, report.reviewed_at, report.reviewed_by = Status.DRAFT, None, ""
    report.save()
    return report


def log_csm_hours(customer, user, *, worked_on, hours, description):
    if hours is None or hours <= 0:
        raise ValidationError({"hours": _("Enter the hours spent, more than zero.")})
    if hours > 24:
        raise ValidationError({"hours": _("A day has 24 hours at most.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Say what was done.")})
    return CsmHours.objects.create(customer=customer, worked_on=worked_on,
                                   hours=Decimal(hours), description=description.strip(),
                                   csm_name=user.display_name, csm_email=user.email)


# --- True-up quotes -------------------------------------------------------------------------

@transaction.atomic
def issue_quote(report, user, adjustment_month=None, now=None, notify=True):
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
    TrueUpQuote.objects.select_for_update().filter(
        contract=contract, status=TrueUpQuote.Status.ISSUED).update(
        status=TrueUpQuote.Status.SUPERSEDED)
    quote = TrueUpQuote.objects.create(
        report=report, contract=contract, adjustment_month=adjustment_month,
        term_end=contract.end, months=trueup.months_to_term_end(adjustment_month,
                                                                contract.end),
        currency=contract.currency, total=total, issued_by=_actor(user), issued_at=now)
    TrueUpQuoteLine.objects.bulk_create([
        TrueUpQuoteLine(quote=quote, category=line.category, ordered=line.ordered,
                        actual=line.actual, added=line.added, annual_price=line.annual_price,
                        months=line.months, amount=line.amount) for line in lines])
    if notify:
        notifications.quote_issued(quote)
    webhooks.emit(Event.TRUE_UP_QUOTED, webhooks.quote_payload(quote))
    return quote


@transaction.atomic
def accept_quote(quote, user, po_number, now=None):
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
    return quote


@transaction.atomic
def decline_quote(quote, user, reason, now=None):
    quote = TrueUpQuote.objects.select_for_update().get(pk=quote.pk)
    if quote.status != TrueUpQuote.Status.ISSUED:
        raise ValidationError(_("This quote is %(status)s and can no longer be declined.") % {
            "status": quote.get_status_display().lower()})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the quote is declined.")})
    quote.status, quote.decline_reason, quote.decided_by, quote.decided_at = \
        TrueUpQuote.Status.DECLINED, reason.strip(), user, now or timezone.now()
    quote.save()
    return quote
