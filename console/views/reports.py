"""The CSM's monthly-report workflow in the vendor console (SPEC §9): a queue of the
assigned customers' reports across partners; notes, hours, review, publication, quotes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console import crossschema
from console.forms import ConsoleQuoteFilterForm
from console.tables import csm_report_rows, quote_columns
from portal.errors import add_to_messages
from portal.lists import Table
from portal.submissions.once import created, sent_once
from portal.tenants.schemas import partner_schema
from portal.users.access import role_required
from portal.users.models import Role
from reporting import notifications, pdf, services
from reporting.forms import CsmHoursForm, IssueQuoteForm, NotesForm, TamHoursForm
from reporting.models import MonthlyReport
from reporting.presentation import report_context

from .escalations import PAGE_SIZE, _page_number, _pages


@role_required(Role.CSM)
def console_report_list(request):
    status = request.GET.get("status", "")
    if status not in MonthlyReport.Status.values:
        status = ""
    awaiting_po = request.GET.get("quote") == "awaiting"
    page = _page_number(request)
    reports, total = crossschema.csm_reports_page(
        request.user, PAGE_SIZE, (page - 1) * PAGE_SIZE, status=status,
        awaiting_po=awaiting_po)
    return render(request, "console/report_list.html", {
        "reports": reports, "report_rows": csm_report_rows(reports),
        **_pages(page, total), "awaiting_po": awaiting_po,
        "status": status, "statuses": MonthlyReport.Status.choices})


@role_required(Role.CSM, Role.VENDOR_ADMIN)
def console_quote_list(request):
    """True-up quotes across partners: a CSM's assigned customers', or every partner's for
    the vendor administrator; read from the console's index."""
    filters = ConsoleQuoteFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    page = _page_number(request)
    quotes, total = crossschema.quotes_of_partners(
        request.user, status=criteria.get("status", ""),
        partner_slug=criteria.get("partner", ""), query=criteria.get("q", "").strip(),
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "console/quote_list.html", {
        "filters": filters, "quotes": quotes, **_pages(page, total),
        "table": Table(quote_columns(request.user), quotes, sortable=False,
                       empty=_("No quotes match."))})


def _assigned(request, slug, pk):
    found = crossschema.csm_report(request.user, slug, pk)
    if found is None:
        raise Http404
    return found


@role_required(Role.CSM)
def console_report_detail(request, slug, pk):
    partner, report = _assigned(request, slug, pk)
    with partner_schema(partner):
        context = report_context(report, partner)
        context.update({
            "partner": partner,
            "quotes": services.quotes_of_report(report),
            "hours": services.latest_csm_hours(report.customer_id, 10),
            "notes_form": NotesForm(initial={"csm_notes": report.csm_notes}),
            "hours_form": CsmHoursForm(initial={"worked_on": report.month}),
            "tam_hours": services.latest_tam_hours(report.contract_id, 10),
            "tam_form": TamHoursForm(initial={"worked_on": report.month}),
            "quote_form": IssueQuoteForm(),
            "urls": {"pdf": reverse("console_report_pdf", args=[slug, pk]),
                     "action": reverse("console_report_action", args=[slug, pk])},
        })
    return render(request, "console/report_detail.html", context)


@role_required(Role.CSM)
def console_report_publish(request, slug, pk):
    """The confirmation step before publishing: who will be told."""
    partner, report = _assigned(request, slug, pk)
    with partner_schema(partner):
        audience = notifications.report_audience(report).aggregate(
            staff=Count("pk", filter=~Q(role=Role.CUSTOMER_USER)),
            customer=Count("pk", filter=Q(role=Role.CUSTOMER_USER)))
    return render(request, "console/report_publish.html", {
        "partner": partner, "report": report, "audience": audience,
        "action": reverse("console_report_action", args=[slug, pk])})


@role_required(Role.CSM)
def console_report_pdf(request, slug, pk):
    partner, report = _assigned(request, slug, pk)
    with partner_schema(partner):
        content = report.pdf.open("rb") if report.is_published and report.pdf \
            else pdf.render_report_pdf(report, partner)
    return FileResponse(content, as_attachment=True, content_type="application/pdf",
                        filename=f"{report.customer.site_id}-{report.month:%Y-%m}.pdf")


ACTIONS = {}


def action(name):
    def register(function):
        ACTIONS[name] = function
        return function
    return register


@action("notes")
def _notes(request, report):
    form = NotesForm(request.POST)
    if form.is_valid():
        services.save_notes(report, form.cleaned_data["csm_notes"])
        return _("The notes are saved.")
    raise ValidationError(_("Check the notes."))


@action("hours")
def _hours(request, report):
    form = CsmHoursForm(request.POST)
    if not form.is_valid():
        raise ValidationError([str(error) for errors in form.errors.values()
                               for error in errors])
    entry = services.log_csm_hours(report.customer, request.user, **form.cleaned_data)
    created(request, entry)
    return _("The hours are logged.")


@action("tam_hours")
def _tam_hours(request, report):
    form = TamHoursForm(request.POST)
    if not form.is_valid():
        raise ValidationError([str(error) for errors in form.errors.values()
                               for error in errors])
    data = {name: form.cleaned_data[name] for name in ("worked_on", "hours", "description")}
    entry = services.log_tam_hours(report.contract, request.user, **data)
    created(request, entry)
    return _("The technical account management hours are logged.")


@action("regenerate")
def _regenerate(request, report):
    if report.status != MonthlyReport.Status.DRAFT:
        raise ValidationError(_("Only a draft is generated again."))
    services.generate_report(report.customer, report.month)
    return _("The draft has been generated again.")


@action("review")
def _review(request, report):
    services.mark_reviewed(report, request.user)
    return _("The report is reviewed.")


@action("reopen")
def _reopen(request, report):
    services.reopen(report)
    return _("The report is a draft again.")


@action("publish")
def _publish(request, report):
    # Publishing tells the partner and the customer: only from its confirmation page.
    if request.POST.get("confirmed") != "yes":
        raise ValidationError(_("Confirm the publication on its confirmation page."))
    services.publish(report, request.user)
    return _("The report is published; the partner and the customer have been told.")


@action("quote")
def _quote(request, report):
    form = IssueQuoteForm(request.POST)
    if not form.is_valid():
        raise ValidationError([str(error) for errors in form.errors.values()
                               for error in errors])
    quote = services.issue_quote(report, request.user, form.cleaned_data["adjustment_month"])
    created(request, quote)
    return _("Quote %(reference)s is issued to the partner.") % {"reference": quote.reference}


@role_required(Role.CSM)
@require_POST
@sent_once
def console_report_action(
request, slug, pk):
    partner, report = _assigned(request, slug, pk)
    handler = ACTIONS.get(request.POST.get("action", ""))
    if handler is None:
        raise Http404
    with partner_schema(partner):
        try:
            messages.success(request, handler(request, report))
        except ValidationError as error:
            add_to_messages(request, error)
    return redirect("console_report_detail", slug=slug, pk=pk)
