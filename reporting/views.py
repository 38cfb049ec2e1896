"""Monthly reports in the partner's portal: published reports for partner and customer,
partner-wide runs for the partner administrator, true-up quotes to accept or decline."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from contracts.models import Contract
from portal.errors import add_to_messages
from portal.submissions.once import created, sent_once
from portal.tenants.branding import current_brand
from portal.users.access import (
    EVERYONE_OF_PARTNER,
    PARTNER_ADMIN,
    role_required,
)
from portal.users.models import Role

from . import pdf, services
from .forms import AcceptQuoteForm, DeclineQuoteForm, ReportRunForm
from .models import MonthlyReport, ReportRun, ReportRunItem, TrueUpQuote
from .presentation import report_context
from .services import reports_visible_to

PAGE_SIZE = 50


@role_required(*EVERYONE_OF_PARTNER)
def report_list(request):
    reports = reports_visible_to(request.user).select_related("customer")
    status = request.GET.get("status", "")
    if status in MonthlyReport.Status.values and request.user.role != Role.CUSTOMER_USER:
        reports = reports.filter(status=status)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status}
    if request.user.role == Role.PARTNER_ADMIN:
        context["run_form"] = ReportRunForm()
        context["runs"] = ReportRun.objects.all()[:3]
        context["open_quotes"] = TrueUpQuote.objects.filter(
            status=TrueUpQuote.Status.ISSUED).select_related("contract__customer")
    return render(request, "reporting/report_list.html", context)


@role_required(*EVERYONE_OF_PARTNER)
def report_detail(request, pk):
    report = get_object_or_404(reports_visible_to(request.user).select_related(
        "customer", "contract"), pk=pk)
    context = report_context(report, current_brand())
    context["quotes"] = report.quotes.prefetch_related("lines") \
        if request.user.role != Role.CUSTOMER_USER else []
    return render(request, "reporting/report_detail.html", context)


@role_required(*EVERYONE_OF_PARTNER)
def report_pdf(request, pk):
    report = get_object_or_404(reports_visible_to(request.user).select_related("customer"),
                               pk=pk)
    filename = f"{report.customer.site_id}-{report.month:%Y-%m}.pdf"
    if report.is_published and report.pdf:
        try:
            handle = report.pdf.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        return FileResponse(handle, as_attachment=True, filename=filename,
                            content_type="application/pdf")
    # A draft is drawn on demand for partner staff; it is never stored.
    return FileResponse(pdf.render_report_pdf(report), as_attachment=True,
                        filename=filename, content_type="application/pdf")


@role_required(*PARTNER_ADMIN)
@require_POST
@sent_once
def report_run(request):
    form = ReportRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("month", [])))
        return redirect("report_list")
    run = services.start_run(form.cleaned_data["month"], request.user.display_name)
    created(request, run)
    return redirect("report_run_detail", pk=run.pk)


@role_required(*PARTNER_ADMIN)
def report_run_detail(request, pk):
    run = get_object_or_404(ReportRun, pk=pk)
    template = "reporting/partials/run_progress.html" if request.htmx \
        else "reporting/run_detail.html"
    failed = run.items.filter(status=ReportRunItem.Status.FAILED).select_related("customer")
    return render(request, template, {"run": run, "failed_items": failed,
                                      "waiting_since": run.waiting_since()})


@role_required(*PARTNER_ADMIN)
@require_POST
def report_run_retry(request, pk):
    run = get_object_or_404(ReportRun, pk=pk)
    queued = services.retry_failed(run)
    if queued:
        messages.success(request, ngettext(
            "%(count)d report is queued again.", "%(count)d reports are queued again.",
            queued) % {"count": queued})
    return redirect("report_run_detail", pk=run.pk)


@role_required(*PARTNER_ADMIN)
def quote_list(request):
    quotes = TrueUpQuote.objects.select_related("contract__customer")
    status = request.GET.get("status", "")
    if status in TrueUpQuote.Status.values:
        quotes = quotes.filter(status=status)
    contract = None
    if request.GET.get("contract", "").isdigit():
        contract = get_object_or_404(Contract.objects.select_related("customer"),
                                     pk=request.GET["contract"])
        quotes = quotes.filter(contract=contract)
    page = Paginator(quotes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reporting/quote_list.html", {
        "page": page, "status": status, "statuses": TrueUpQuote.Status.choices,
        "contract": contract})


@role_required(*PARTNER_ADMIN)
def quote_detail(request, pk):
    quote = get_object_or_404(TrueUpQuote.objects.select_related(
        "contract__customer", "report", "baseline_version"), pk=pk)
    return render(request, "reporting/quote_detail.html", {
        "quote": quote, "lines": quote.lines.all(), "accept_form": AcceptQuoteForm(),
        "decline_form": DeclineQuoteForm()})


@role_required(*PARTNER_ADMIN)
@require_POST
def quote_decide(request, pk):
    quote = get_object_or_404(TrueUpQuote.objects.select_related("contract__customer"), pk=pk)
    try:
        if request.POST.get("action") == "accept":
            form = AcceptQuoteForm(request.POST)
            # Accepting changes the contract's baseline: the partner first sees the amount,
            # the new baseline and who is told, and confirms on that page.
            if form.is_valid() and request.POST.get("confirmed") != "yes":
                return render(request, "reporting/quote_confirm.html", {
                    "quote": quote, "po_number": form.cleaned_data["po_number"],
                    "baseline": services.baseline_after(quote)})
            services.accept_quote(quote, request.user,
                                  form.data.get("po_number", ""))
            messages.success(request, _("The quote is accepted; the contract has a new "
                                        "baseline version."))
        elif request.POST.get("action") == "decline":
            services.decline_quote(quote, request.user, request.POST.get("reason", ""))
            messages.success(request, _("The quote is declined."))
        else:
            raise Http404
    except ValidationError as error:
        add_to_messages(request, error)
    return redirect("quote_detail", pk=quote.pk)
