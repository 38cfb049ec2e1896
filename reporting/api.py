"""Monthly reports and true-up quotes in the JSON API. Reports: published ones, with the
figures the PDF is drawn from, and the PDF itself. Quotes: for the partner administrator,
who accepts one with a purchase-order number (or declines it), as on the quote page."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from portal.api.auth import require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate_synced
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, WRITE_ERRORS, CustomerRef, DecimalString, customer_ref
from portal.programme import whole_devices
from portal.users.access import EVERYONE_OF_PARTNER, PARTNER_ADMIN

from . import services
from .forms import AcceptQuoteForm, DeclineQuoteForm
from .models import MonthlyReport, TrueUpQuote

reports = Router(tags=["Monthly reports"])
quotes = Router(tags=["True-up quotes"])


class ReportOut(Schema):
    id: int
    customer: CustomerRef
    month: date = Field(description="First day of the month reported.")
    contract_id: int
    status: str
    published_at: datetime | None
    updated_at: datetime
    pdf: str = Field(description="Where to download the PDF.")


class ReportDetailOut(ReportOut):
    csm_notes: str
    figures: dict[str, Any] = Field(
        description="The figures the PDF shows, as computed when the report was generated: "
                    "categories (ordered, baseline, actual, change), trend, true-up, headset "
                    "replacements, tickets and SLA, firmware, uncovered devices, CSM hours, "
                    "technical account management hours. Decimals are strings; each "
                    "category's `baseline` is exact and `baseline_devices` is the baseline "
                    "rounded up to a whole device, as pages and PDFs show it.")


class QuoteLineOut(Schema):
    category: str
    ordered: int
    actual: int
    added: int
    annual_price: DecimalString
    months: int
    amount: DecimalString


class QuoteOut(Schema):
    id: int
    reference: str
    customer: CustomerRef
    contract_id: int
    report_id: int
    adjustment_month: date
    term_end: date
    months: int
    currency: str
    total: DecimalString
    status: str
    issued_at: datetime
    po_number: str
    decided_at: datetime | None
    decline_reason: str
    baseline_version: int | None = Field(description="The baseline version its acceptance "
                                                     "recorded.")
    updated_at: datetime
    lines: list[QuoteLineOut]


class AcceptIn(Schema):
    po_number: str = Field(description="Your purchase-order number.")


class DeclineIn(Schema):
    reason: str


def _published(user):
    return services.reports_visible_to(user).filter(
        status=MonthlyReport.Status.PUBLISHED).select_related("customer")


def report_out(report):
    return {
        "id": report.pk, "customer": customer_ref(report.customer), "month": report.month,
        "contract_id": report.contract_id, "status": report.status,
        "published_at": report.published_at, "updated_at": report.updated_at,
        "pdf": reverse("api-v1:download_report", kwargs={"report_id": report.pk}),
    }


@reports.get("", response={200: Page[ReportOut], **ERRORS}, summary="List published reports",
             openapi_extra=CONDITIONAL_OPENAPI)
def list_reports(request, response: HttpResponse, sync: Query[SyncParams],
                 page: Query[PageParams]):
    """Published reports of the customers the caller may see, latest month first."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    rows, cursor = paginate_synced(_published(user), page, sync, "-month")
    return conditional(request, response, {"items": [report_out(report) for report in rows],
                                           "next": cursor})


@reports.get("/{report_id}", response={200: ReportDetailOut, **ERRORS},
             summary="Get a published report's figures", openapi_extra=CONDITIONAL_OPENAPI)
def get_report(request, response: HttpResponse, report_id: int):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    report = get_object_or_404(_published(user), pk=report_id)
    figures = report.read_figures()
    return conditional(request, response, {
        **report_out(report), "csm_notes": report.csm_notes,
        "figures": figures_out(figures) if figures else {}})


def figures_out(figures):
    """The stored figures, each category's exact baseline with the whole devices shown
    beside it (SPEC §5), whichever format version the report was kept in."""
    data = figures.to_json()
    for row in data["categories"]:
        row["baseline_devices"] = whole_devices(Decimal(row["baseline"]))
    return data


@reports.get("/{report_id}/pdf", response={200: None, **ERRORS},
             summary="Download a published report's PDF",
             openapi_extra={"responses": {200: {
                 "description": "The PDF, as published.",
                 "content": {"application/pdf": {"schema": {"type": "string",
                                                            "format": "binary"}}}}}})
def download_report(request, report_id: int):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    report = get_object_or_404(_published(user), pk=report_id)
    if not report.pdf:
        raise Http404
    try:
        handle = report.pdf.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, content_type="application/pdf",
                        filename=f"{report.customer.site_id}-{report.month:%Y-%m}.pdf")


def quote_out(quote):
    return {
        "id": quote.pk, "reference": quote.reference,
        "customer": customer_ref(quote.contract.customer), "contract_id": quote.contract_id,
        "report_id": quote.report_id, "adjustment_month": quote.adjustment_month,
        "term_end": quote.term_end, "months": quote.months, "currency": quote.currency,
        "total": quote.total, "status": quote.status, "issued_at": quote.issued_at,
        "po_number": quote.po_number, "decided_at": quote.decided_at,
        "decline_reason": quote.decline_reason,
        "baseline_version": quote.baseline_version.number if quote.baseline_version else None,
        "updated_at": quote.updated_at,
        "lines": [{"category": line.category, "ordered": line.ordered, "actual": line.actual,
                   "added": line.added, "annual_price": line.annual_price,
                   "months": line.months, "amount": line.amount}
                  for line in quote.lines.all()],
    }


def _quotes():
    return TrueUpQuote.objects.select_related(
        "contract__customer", "baseline_version").prefetch_related("lines")


def _quote(request, quote_id):
    user = require_role(request, *PARTNER_ADMIN)
    return user, get_object_or_404(_quotes(), pk=quote_id)


@quotes.get("", response={200: Page[QuoteOut], **ERRORS}, summary="List true-up quotes",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_quotes(request, response: HttpResponse, sync: Query[SyncParams],
                page: Query[PageParams]):
    """Partner administrators: every quote, latest first."""
    require_role(request, *PARTNER_ADMIN)
    rows, cursor = paginate_synced(_quotes(), page, sync, "-issued_at")
    return conditional(request, response, {"items": [quote_out(quote) for quote in rows],
                                           "next": cursor})


@quotes.get("/{quote_id}", response={200: QuoteOut, **ERRORS}, summary="Get a true-up quote",
            openapi_extra=CONDITIONAL_OPENAPI)
def get_quote(request, response: HttpResponse, quote_id: int):
    return conditional(request, response, quote_out(_quote(request, quote_id)[1]))


@quotes.post("/{quote_id}/accept", response={200: QuoteOut, **WRITE_ERRORS},
             summary="Accept a true-up quote")
def accept_quote(request, quote_id: int, payload: AcceptIn):
    """With your purchase-order number: the contract gets its next baseline version."""
    user, quote = _quote(request, quote_id)
    data = cleaned(AcceptQuoteForm({"po_number": payload.po_number}))
    services.accept_quote(quote, user, data["po_number"])
    return quote_out(_quotes().get(pk=quote.pk))


@quotes.post("/{quote_id}/decline", response={200: QuoteOut, **WRITE_ERRORS},
             summary="Decline a true-up quote")
def decline_quote(request, quote_id: int, payload: DeclineIn):
    user, quote = _quote(request, quote_id)
    data = cleaned(DeclineQuoteForm({"reason": payload.reason}))
    services.decline_quote(quote, user, data["reason"])
    return quote_out(_quotes().get(pk=quote.pk))
