from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Customer, visible_customers_q
from inventory.models import Device
from portal.csvexport import csv_response
from portal.errors import add_to_form, add_to_messages
from portal.lists import Table, filtered, sorted_by
from portal.submissions.once import created, sent_once
from portal.users.access import EVERYONE_OF_PARTNER, PARTNER_STAFF, role_required
from portal.users.models import Role

from . import services
from .attachments import open_attachment
from .filters import TICKET_SORTS, TicketFilterSet
from .forms import (
    CloudIncidentForm,
    CloudNoticeForm,
    CommentForm,
    EscalationForm,
    TicketForm,
    TicketUpdateForm,
)
from .models import Attachment, Ticket
from .services import tickets_visible_to
from .tables import ticket_columns

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


@role_required(*EVERYONE_OF_PARTNER)
def ticket_list(request):
    user = request.user
    filters = TicketFilterSet(
        request.GET or None, queryset=tickets_visible_to(user).select_related(
            "customer", "assignee"),
        user=user, customers=Customer.objects.visible_to(user))
    sort = request.GET.get("sort")
    tickets = sorted_by(services.with_breach_flag(filtered(filters)), sort, TICKET_SORTS)
    if request.GET.get("format") == "csv":
        return tickets_csv(tickets)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {
        "filters": filters.form, "page": page,
        "table": Table(ticket_columns(user), page.object_list, sort=sort,
                       empty=_("No tickets match."))})


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
    return {name: reverse(f"ticket_{name}", args=[ticket.pk])
            for name in ("comment", "status", "escalate", "cloud", "detail")}


def detail_context(ticket, user, urls):
    """What a ticket page shows `user`; shared by the portal and the console."""
    staff = user.role != Role.CUSTOMER_USER
    context = {
        "ticket": ticket,
        "urls": urls,
        "comments": services.visible_comments(ticket, user),
        "form": CommentForm(internal_allowed=staff),
        "statuses": [Ticket.Status(s) for s in Ticket.Status.values
                     if s in services.allowed_statuses(ticket, user)],
        "clocks": services.sla_clocks(ticket),
        "cloud_notices": ticket.cloud_notices.all(),
        "staff": staff,
    }
    if staff:
        levels = services.allowed_levels(ticket, user)
        context.update({
            "escalations": ticket.escalations.all(),
            "escalation_form": EscalationForm(levels=levels) if levels and ticket.is_open
            else None,
            "cloud_form": CloudIncidentForm(initial={"cloud_partner": ticket.cloud_partner}),
            "cloud_notice_form": CloudNoticeForm(),
            "letter_refusal": services.letter_refusal(ticket.customer),
            "history": services.ticket_history(ticket),
        })
    return context


def _visible_ticket(request, pk):
    return get_object_or_404(tickets_visible_to(request.user)
                             .select_related("customer", "device", "opened_by", "assignee"),
                             pk=pk)


@role_required(*EVERYONE_OF_PARTNER)
def ticket_detail(request, pk):
    ticket = _visible_ticket(request, pk)
    context = detail_context(ticket, request.user, portal_urls(ticket))
    watchers = set(ticket.watchers.values_list("pk", flat=True))
    context["watching"] = request.user.pk in watchers
    context["rmas"] = list(ticket.rmas.select_related("device"))
    context["watcher_count"] = len(watchers)
    if context["staff"]:
        context["update_form"] = TicketUpdateForm(instance=ticket)
    return render(request, "tickets/ticket_detail.html", context)


def post_comment(request, ticket):
    form = CommentForm(request.POST, request.FILES,
                       internal_allowed=request.user.role != Role.CUSTOMER_USER)
    if not form.is_valid():
        messages.error(request, " ".join(
            str(error) for errors in form.errors.values() for error in errors))
        return
    try:
        comment = services.add_comment(
            ticket, user=request.user, body=form.cleaned_data["body"],
            internal=form.cleaned_data.get("internal", False), files=form.cleaned_data["files"])
    except ValidationError as error:
        add_to_messages(request, error)
    else:
        created(request, comment)


@role_required(*EVERYONE_OF_PARTNER)
@require_POST
@sent_once
def ticket_comment(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    post_comment(request, ticket)
    return redirect("ticket_detail", pk=ticket.pk)


@role_required(*EVERYONE_OF_PARTNER)
@require_POST
def ticket_status(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    try:
        services.change_status(ticket, request.POST.get("status", ""), user=request.user)
    except ValidationError as error:
        add_to_messages(request, error)
    except ValueError as error:  # a status that does not exist
        messages.error(request, str(error))
    return redirect("ticket_detail", pk=ticket.pk)


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
def ticket_update(request, pk):
    ticket = get_object_or_404(Ticket, pk=pk)
    form = TicketUpdateForm(request.POST, instance=ticket)
    if form.is_valid():
        data = form.cleaned_data
        services.update_ticket(ticket, user=request.user, priority=data["priority"],
                               category=data["category"], assignee=data["assignee"])
        messages.success(request, _("The ticket has been updated."))
    else:
        messages.error(request, _("Check the priority, category and assignee."))
    return redirect("ticket_detail", pk=ticket.pk)


def post_escalation(request, ticket):
    form = EscalationForm(request.POST, levels=services.allowed_levels(ticket, request.user))
    if not form.is_valid():
        messages.error(request, _("Choose where the ticket goes and say why."))
        return
    try:
        step = services.escalate(ticket, user=request.user, to_level=form.cleaned_data[
            "to_level"], reason=form.cleaned_data["reason"])
    except ValidationError as error:
        add_to_messages(request, error)
    else:
        created(request, step)
        messages.success(request, _("The ticket is now with %(level)s.") % {
            "level": Ticket.Level(step.to_level).label})


@role_required(*PARTNER_STAFF)
@require_POST
@sent_once
def ticket_escalate(request, pk):
    ticket = get_object_or_404(Ticket, pk=pk)
    post_escalation(request, ticket)
    return redirect("ticket_detail", pk=ticket.pk)


def post_cloud(request, ticket):
    """One form, two actions: open an incident (needs a valid letter) or refer the customer."""
    action = request.POST.get("action")
    if action == "notice":
        form = CloudNoticeForm(request.POST)
        if form.is_valid():
            try:
                notice = services.add_cloud_notice(ticket, user=request.user,
                                                   **form.cleaned_data)
            except ValidationError as error:
                add_to_messages(request, error)
            else:
                created(request, notice)
        else:
            messages.error(request, _("Write the notice."))
        return
    form = CloudIncidentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the cloud partner."))
        return
    data = form.cleaned_data
    try:
        if action == "open":
            services.open_cloud_incident(ticket, user=request.user, **data)
            created(request)
            messages.success(request, _("The cloud partner's incident is recorded."))
        elif action == "refer":
            services.refer_to_cloud_partner(ticket, user=request.user,
                                            cloud_partner=data["cloud_partner"],
                                            findings=data["findings"])
            created(request)
            messages.success(request, _("The findings are recorded and the customer has "
                                        "been referred to the cloud partner."))
        else:
            raise Http404
    except ValidationError as error:
        add_to_messages(request, error)


@role_required(*PARTNER_STAFF)
@require_POST
@sent_once
def ticket_cloud(request, pk):
    ticket = get_object_or_404(Ticket, pk=pk)
    post_cloud(request, ticket)
    return redirect("ticket_detail", pk=ticket.pk)


def attachment_response(attachment):
    try:
        handle = open_attachment(attachment)
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*EVERYONE_OF_PARTNER)
def ticket_attachment(request, pk, attachment_pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    attachment = get_object_or_404(
        Attachment, pk=attachment_pk,
        comment__in=services.visible_comments(ticket, request.user))
    return attachment_response(attachment)
