from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from contracts.models import Customer, customers_to_pick, visible_customers_q, visible_prepared
from inventory.models import Device
from portal.csvexport import csv_response
from portal.errors import add_to_form
from portal.lists import CountedApart, Table, filtered, shared_form, sorted_by, whole_list_order
from portal.submissions.once import created, sent_once
from portal.users.access import EVERYONE_OF_PARTNER, PARTNER_STAFF, role_required
from portal.users.models import Role

from . import services
from .attachments import attachment_response
from .filters import TICKET_SORTS, TicketFilterSet, presets_of
from .forms import BulkUpdateForm, ScreenState, TicketForm, TicketScreenForm
from .models import Attachment, Comment, Ticket, next_due_expression
from .services import tickets_visible_to
from .tables import TICKET_ROW_VALUES, TicketRow, ticket_columns

PAGE_SIZE = 50
CSV_HEADER = ["reference", "site_id", "customer", "subject", "category", "priority", "status",
              "escalation_level", "cloud_partner", "cloud_incident_number", "opened",
              "response_due", "first_response", "resolution_due", "resolved", "sla_breached"]


def _iso(value):
    return value.isoformat() if value else ""


def tickets_csv(tickets):
    # Fields only: the conversation, and so internal notes, stay out of exports.
    return csv_response("tickets.csv", CSV_HEADER, (
        [t.reference, t.customer.site_id, t.customer.name, t.subject, t.category, t.priority,
         t.status, t.escalation_level, t.cloud_partner, t.cloud_incident_number,
         _iso(t.created_at), _iso(t.response_due_at), _iso(t.first_response_at),
         _iso(t.resolution_due_at), _iso(t.resolved_at), "yes" if t.sla_breached else "no"]
        for t in tickets.iterator(chunk_size=2000)))


def _in_list_order(tickets, now, sort):
    """The list's order: the most urgent first unless the reader sorts otherwise."""
    rows = services.with_breach_flag(tickets, now).order_by(
        next_due_expression().asc(nulls_last=True), "pk")
    return sorted_by(rows, sort, TICKET_SORTS)


@role_required(*EVERYONE_OF_PARTNER)
def ticket_list(request):
    user = request.user
    now = timezone.now()
    filters = TicketFilterSet(
        request.GET or None, queryset=tickets_visible_to(user).select_related(
            "customer", "assignee"),
        user=user, customers=Customer.objects.visible_to(user).only("name", "site_id"),
        customer_options=lambda: customers_to_pick(user), now=now)
    sort = request.GET.get("sort")
    if request.GET.get("format") == "csv":
        return tickets_csv(_in_list_order(filtered(filters), now, sort))
    order = whole_list_order(request, TICKET_SORTS)
    prepared = None if order is None else visible_prepared(
        user, f"ticket-list:{order}", Ticket, lambda visible, now: _in_list_order(
            Ticket.objects.filter(visible), now, order),
        {"now": Ticket._meta.get_field("created_at")}, {"now": now})
    tickets = prepared if prepared is not None else _in_list_order(filtered(filters), now,
                                                                   sort)
    page = Paginator(CountedApart.of(tickets, _as_listed), PAGE_SIZE).get_page(
        request.GET.get("page"))
    page.object_list = [TicketRow(row) for row in page.object_list]
    bulk = not user.is_customer_user
    return render(request, "tickets/ticket_list.html", {
        "filters": filters.form, "page": page,
        "presets": presets_of(user, request.GET),
        "bulk_form": bulk_form(services.assignable_staff()) if bulk else None,
        "table": Table(ticket_columns(user, now, selectable=bulk), page.object_list,
                       sort=sort, empty=_("No tickets match."))})


def _as_listed(tickets):
    """The rows with what their cells show (`TicketRow`), read as values; counted without
    the customer and assignee joins."""
    return tickets.values(*TICKET_ROW_VALUES)


def bulk_form(assignees):
    """The list's bulk bar, an unbound form shared by the lists offering the same
    assignees."""
    return shared_form(
        (BulkUpdateForm, *((person.pk, person.display_name) for person in assignees)),
        lambda: BulkUpdateForm(assignees=assignees))


@role_required(*EVERYONE_OF_PARTNER)
@sent_once
def ticket_create(request):
    user = request.user
    implied = user.role == Role.CUSTOMER_USER
    devices = Device.objects.filter(visible_customers_q(user))
    form = TicketForm(request.POST or None, devices=devices, customer_implied=implied)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = user.customer if implied else services.customer_by_site_id(
                data["site_id"])
            ticket = services.open_ticket(
                user=user, customer=customer, subject=data["subject"],
                description=data["description"], category=data["category"],
                priority=data["priority"], device=data.get("device"))
        except ValidationError as error:
            add_to_form(form, error)
        else:
            created(request, ticket)
            messages.success(request, _("Ticket %(reference)s is open.") % {
                "reference": ticket.reference})
            return redirect("ticket_detail", pk=ticket.pk)
    return render(request, "tickets/ticket_form.html", {
        "form": form, "customer": user.customer if implied else None})


def portal_urls(ticket):
    return {name: reverse(f"ticket_{name}", args=[ticket.pk]) for name in ("update", "detail")}


def screen_form(ticket, user, data=None, files=None, assignees=None):
    """The ticket page's one form (`TicketScreenForm`), for what `user` may change now; an
    unbound one is shared by the pages of the same state (`ScreenState`)."""
    state = ScreenState.of(
        ticket, user, statuses=services.allowed_statuses(ticket, user),
        levels=services.allowed_levels(ticket, user) if user.role != Role.CUSTOMER_USER
        else (), assignees=assignees)
    if data is None and files is None and state.shareable:
        return shared_form((TicketScreenForm, state), lambda: TicketScreenForm(state=state))
    return TicketScreenForm(data, files, state=state)


def detail_context(ticket, user, urls, form=None, watcher=None):
    """What a ticket page shows `user`; shared by the portal and the console (`watcher`:
    the user of the partner's own whose following the page shows)."""
    staff = user.role != Role.CUSTOMER_USER
    cloud_form_shown = staff and ticket.is_open and ticket.cloud_status not in (
        Ticket.CloudStatus.OPEN, Ticket.CloudStatus.CLOSED)
    panel = services.customer_panel(ticket) if staff else None
    # Only where the page offers to open an incident, from the letters the panel read.
    letter_refusal = services.letter_refusal(
        ticket.customer, letters=panel["letters"]) if cloud_form_shown and panel else None
    # The sidebar's assignees are read with the rest, unless a form sent back has them.
    rows = services.ticket_page_rows(ticket, staff=staff, watcher=watcher,
                                     assignees=form is None and user.is_partner_staff)
    context = {
        "ticket": ticket,
        "watcher_count": rows.watcher_count,
        "watching": rows.watching,
        "urls": urls,
        "comments": rows.comments,
        "form": form or screen_form(ticket, user, assignees=rows.assignees),
        "clocks": services.sla_clocks(ticket, pauses=rows.pauses),
        "cloud_notices": rows.cloud_notices,
        "staff": staff,
        "rmas": rows.own_rmas,
    }
    if staff:
        escalations = rows.escalations
        context.update({
            "escalations": escalations,
            # The step that brought the ticket to its level, for the banner.
            "escalation": next((step for step in reversed(escalations)
                                if step.to_level == ticket.escalation_level
                                and step.is_escalation), None) if ticket.is_escalated else None,
            "letter_refusal": letter_refusal,
            "history": services.ticket_history(ticket, rows.history, rows.people),
            "panel": panel,
            "recent_rmas": rows.recent_rmas,
        })
    return context


def _visible_ticket(request, pk):
    # Its followers and its people's names come with the page's other rows
    # (services.ticket_page_rows).
    ticket = services.ticket_visible_to(request.user, pk)
    if ticket is None:
        raise Http404
    return ticket


def _detail_page(request, ticket, form=None):
    context = detail_context(ticket, request.user, portal_urls(ticket), form,
                             watcher=request.user)
    return render(request, "tickets/ticket_detail.html", context,
                  status=400 if form is not None else 200)


@role_required(*EVERYONE_OF_PARTNER)
def ticket_detail(request, pk):
    return _detail_page(request, _visible_ticket(request, pk))


def post_update(request, ticket, form):
    """Applies the page's one *Update*; False, with the form's errors, when refused."""
    if not form.is_valid():
        return False
    try:
        result = services.apply_update(ticket, user=request.user, **form.changes())
    except ValidationError as error:
        add_to_form(form, error)
        return False
    created(request, result if isinstance(result, Comment) else None)
    messages.success(request, _("The ticket has been updated."))
    return True


@role_required(*EVERYONE_OF_PARTNER)
@require_POST
@sent_once
def ticket_update(request, pk):
    ticket = _visible_ticket(request, pk)
    form = screen_form(ticket, request.user, request.POST, request.FILES)
    if post_update(request, ticket, form):
        return redirect("ticket_detail", pk=ticket.pk)
    return _detail_page(request, ticket, form)


@role_required(*EVERYONE_OF_PARTNER)
@require_POST
def ticket_watch(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    watching = request.POST.get("watch") == "1"
    services.set_watching(ticket, request.user, watching)
    messages.success(request, _("You will get this ticket's e-mails.") if watching
                     else _("You will no longer get this ticket's e-mails."))
    return redirect("ticket_detail", pk=ticket.pk)


@role_required(*PARTNER_STAFF)
@require_POST
def ticket_bulk_update(request):
    """One change to the checked tickets of the list: all of them, or none."""
    user = request.user
    ids = {int(value) for value in request.POST.getlist("tickets") if value.isdigit()}
    tickets = list(tickets_visible_to(user).filter(pk__in=ids))
    if not ids or len(tickets) != len(ids):
        raise Http404  # a ticket the user may not see is one that does not exist
    staff = services.assignable_staff()
    form = BulkUpdateForm(request.POST, assignees=staff)
    back = request.POST.get("next", "")
    back = back if back.startswith("?") else ""
    if not form.is_valid():
        messages.error(request, _("Choose a state, a priority or an assignee."))
        return redirect(reverse("ticket_list") + back)
    data = form.cleaned_data
    assignee = services.KEEP
    if data["assignee"] == "none":
        assignee = None
    elif data["assignee"]:
        assignee = next(person for person in staff if str(person.pk) == data["assignee"])
    try:
        changed = services.bulk_update(tickets, user=user, status=data["status"] or None,
                                       priority=data["priority"] or None, assignee=assignee)
    except ValidationError as error:
        messages.error(request, _("Nothing was changed:") + " " + " ".join(error.messages))
    else:
        messages.success(request, ngettext("%(count)d ticket updated.",
                                           "%(count)d tickets updated.", changed)
                         % {"count": changed})
    return redirect(reverse("ticket_list") + back)


@role_required(*EVERYONE_OF_PARTNER)
def ticket_attachment(request, pk, attachment_pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    attachment = get_object_or_404(
        Attachment, pk=attachment_pk,
        comment__in=services.visible_comments(ticket, request.user))
    return attachment_response(attachment)
