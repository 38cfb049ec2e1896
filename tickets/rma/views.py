"""Advance replacements in the partner's portal (SPEC §8)."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import visible_prepared
from portal.csvexport import csv_response
from portal.errors import add_to_form, add_to_messages
from portal.formats import long_date
from portal.lists import CountedApart, Table, filtered, sorted_by, whole_list_order
from portal.submissions.once import created, sent_once
from portal.users.access import EVERYONE_OF_PARTNER, role_required
from portal.users.models import Role

from .. import services
from ..models import Rma
from ..views import tickets_visible_to
from . import services as rma_services
from .filters import RMA_SORTS, RmaFilterSet
from .forms import RmaActionForm, RmaRequestForm
from .services import rmas_visible_to
from .tables import late_badge, rma_columns

PAGE_SIZE = 50
CSV_HEADER = ["reference", "site_id", "customer", "serial", "model", "category", "status",
              "requested", "promised_ship_date", "carrier", "tracking_number",
              "replacement_serial", "chargeable", "charge", "ticket"]

# What the list's cells and its late badge read (tables.py): the rows' other columns, and
# those of the tables joined, cost more to read and convert than the page's own rows.
RMA_LIST_FIELDS = ["status", "requested_at", "promised_ship_date", "ship_to_country",
                   "chargeable", "charge"]


def rmas_csv(rmas):
    return csv_response("rmas.csv", CSV_HEADER, (
        [r.reference, r.customer.site_id, r.customer.name, r.device.serial,
         r.product_model.sku, r.category, r.status, r.requested_at.isoformat(),
         r.promised_ship_date.isoformat(), r.carrier, r.tracking_number,
         r.replacement.serial if r.replacement else "", "yes" if r.chargeable else "no",
         r.charge if r.charge is not None else "", r.ticket.reference]
        for r in rmas.iterator(chunk_size=2000)))


# Each joined table costs the planner on every page; the table itself never shows the
# ticket, the CSV does.
RMA_LIST_RELATED = ("customer", "device", "product_model", "replacement")


def _as_listed(rmas):
    """The list's rows with what the cells and the late badge show of their customer,
    devices and model, as values of the row (tables.py): a page builds one instance a row
    rather than one for each table joined."""
    return rmas.select_related(None).only(*RMA_LIST_FIELDS).annotate(
        customer_name=F("customer__name"), customer_site_id=F("customer__site_id"),
        customer_time_zone=F("customer__time_zone"), device_serial=F("device__serial"),
        model_name=F("product_model__name"), replacement_serial=F("replacement__serial"))


def _in_list_order(rmas, now, sort):
    """The list's order: late replacements first, then the newest, unless the reader sorts
    otherwise."""
    if sort not in RMA_SORTS and sort not in {f"-{key}" for key in RMA_SORTS}:
        rmas = rmas.order_by(rma_services.late_first("customer__time_zone", now).desc(),
                             "-requested_at", "-pk")
    return sorted_by(rmas, sort, RMA_SORTS)


@role_required(*EVERYONE_OF_PARTNER)
def rma_list(request):
    user = request.user
    filters = RmaFilterSet(request.GET or None, queryset=rmas_visible_to(user).select_related(
        *RMA_LIST_RELATED))
    sort = request.GET.get("sort")
    now = timezone.now()
    if request.GET.get("format") == "csv":
        return rmas_csv(_in_list_order(filtered(filters), now, sort).select_related("ticket"))
    order = whole_list_order(request, RMA_SORTS)
    prepared = None if order is None else visible_prepared(
        user, f"rma-list:{order}", Rma, lambda visible, now: _in_list_order(
            Rma.objects.filter(visible), now, order),
        {"now": Rma._meta.get_field("requested_at")}, {"now": now})
    rmas = prepared if prepared is not None else _in_list_order(filtered(filters), now, sort)
    page = Paginator(CountedApart.of(rmas, _as_listed), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    for rma in rows:
        rma.late = rma_services.lateness(rma.status, rma.promised_ship_date,
                                         rma.ship_to_country, rma.customer_time_zone, now)
    return render(request, "tickets/rma_list.html", {
        "filters": filters.form, "page": page,
        "table": Table(rma_columns(user), rows, sort=sort,
                       empty=_("No replacements match."))})


def _customer_for(request, form):
    user = request.user
    if user.role == Role.CUSTOMER_USER:
        return user.customer
    return services.customer_by_site_id(form.cleaned_data.get("site_id")
                                        or request.GET.get("site_id"))


def _ticket_from(request):
    pk = request.GET.get("ticket") or request.POST.get("ticket")
    if not pk:
        return None
    return get_object_or_404(tickets_visible_to(request.user), pk=pk)


def _initial(request, ticket):
    initial = {"serial": request.GET.get("serial", "")}
    if ticket is not None:
        initial.update({"site_id": ticket.customer.site_id, "fault": ticket.description})
        if ticket.device:
            initial["serial"] = ticket.device.serial
    elif request.GET.get("site_id"):
        initial["site_id"] = request.GET["site_id"]
    return initial


@role_required(*EVERYONE_OF_PARTNER)
@sent_once
def rma_create(request):
    user = request.user
    implied = user.role == Role.CUSTOMER_USER
    ticket = _ticket_from(request)
    form = RmaRequestForm(request.POST or None, initial=_initial(request, ticket),
                          customer_implied=implied)
    if request.method == "POST" and form.is_valid():
        try:
            customer = ticket.customer if ticket else _customer_for(request, form)
            rma = rma_services.request_rma(
                user=user, customer=customer, serial=form.cleaned_data["serial"],
                fault=form.cleaned_data["fault"], ticket=ticket)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            created(request, rma)
            messages.success(request, _("Replacement %(reference)s is requested; it ships on "
                                        "%(date)s at the latest once approved.") % {
                "reference": rma.reference, "date": long_date(rma.promised_ship_date)})
            return redirect("rma_detail", pk=rma.pk)
    customer = user.customer if implied else (ticket.customer if ticket else None)
    return render(request, "tickets/rma_form.html", {
        "form": form, "ticket": ticket, "customer": customer,
        "promised_ship_date": rma_services.customer_ship_date(customer) if customer else None,
        "ship_rule": rma_services.ship_date_rule(str(customer.country)) if customer else "",
    })


@role_required(*EVERYONE_OF_PARTNER)
def rma_preview(request):
    """The request form's live check: coverage, promised ship date, headset charge."""
    user = request.user
    context = {}
    if not request.GET.get("serial", "").strip():
        return render(request, "tickets/partials/rma_preview.html", context)
    try:
        if user.role == Role.CUSTOMER_USER:
            customer = user.customer
        else:
            customer = services.customer_by_site_id(request.GET.get("site_id", ""))
        context["preview"] = rma_services.preview(customer, request.GET.get("serial", ""))
        if not request.GET.get("ship_rule_shown"):
            context["ship_rule"] = rma_services.ship_date_rule(str(customer.country))
    except ValidationError as error:
        context["errors"] = error.messages
    return render(request, "tickets/partials/rma_preview.html", context)


def rma_context(rma, user, urls):
    statuses = [s for s in Rma.Status if s in rma_services.allowed_statuses(rma, user)]
    return {
        "rma": rma, "steps": rma_services.steps_of(rma), "urls": urls,
        "action_form": RmaActionForm(statuses=statuses) if statuses else None,
        "headset_rate": rma_services.rate_of_rma_year(rma),
        "ship_rule": rma_services.ship_date_rule(rma.ship_to_country),
        "late": late_badge(rma_services.lateness(rma.status, rma.promised_ship_date,
                                                 rma.ship_to_country, rma.customer.time_zone)),
    }


@role_required(*EVERYONE_OF_PARTNER)
def rma_detail(request, pk):
    rma = rma_services.rma_visible_to(request.user, pk)
    if rma is None:
        raise Http404
    urls = {"advance": reverse("rma_advance", args=[rma.pk])}
    return render(request, "tickets/rma_detail.html", rma_context(rma, request.user, urls))


def post_advance(request, rma):
    form = RmaActionForm(request.POST, statuses=list(Rma.Status))
    if not form.is_valid():
        messages.error(request, _("Choose the next step."))
        return
    data = form.cleaned_data
    try:
        rma_services.advance(rma, data["status"], user=request.user, note=data["note"],
                             carrier=data.get("carrier", ""),
                             tracking_number=data.get("tracking_number", ""),
                             replacement_serial=data.get("replacement_serial", ""))
    except ValidationError as error:
        add_to_messages(request, error)
    else:
        messages.success(request, _("The replacement is now “%(status)s”.") % {
            "status": Rma.Status(data["status"]).label})


@role_required(Role.PARTNER_ADMIN, Role.PARTNER_AGENT)
@require_POST
def rma_advance(request, pk):
    rma = get_object_or_404(Rma, pk=pk)
    post_advance(request, rma)
    return redirect("rma_detail", pk=rma.pk)
