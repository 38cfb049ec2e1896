from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.models import Device
from portal.csvexport import csv_response
from portal.users.access import EVERYONE_OF_PARTNER, customers_visible_to, role_required
from portal.users.models import Role

from . import services
from .forms import CommentForm, TicketFilterForm, TicketForm
from .models import Ticket

PAGE_SIZE = 50
OPEN_STATUSES = [Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]


def tickets_visible_to(user):
    return Ticket.objects.filter(customer__in=customers_visible_to(user))


@role_required(*EVERYONE_OF_PARTNER)
def ticket_list(request):
    filters = TicketFilterForm(request.GET or None)
    tickets = tickets_visible_to(request.user).select_related("customer", "assignee")
    if filters.is_valid():
        query = filters.cleaned_data["q"].strip()
        if query:
            number = query.upper().removeprefix("T-").lstrip("0")
            match = Q(subject__icontains=query) | Q(customer__site_id__icontains=query) \
                | Q(customer__name__icontains=query)
            if number.isdigit():
                match |= Q(pk=int(number))
            tickets = tickets.filter(match)
        status = filters.cleaned_data["status"]
        if status == "open":
            tickets = tickets.filter(status__in=OPEN_STATUSES)
        elif status:
            tickets = tickets.filter(status=status)
        if filters.cleaned_data["priority"]:
            tickets = tickets.filter(priority=filters.cleaned_data["priority"])
    if request.GET.get("format") == "csv":
        # Subjects and fields only: the conversation, and so internal notes, stay out.
        return csv_response("tickets.csv", [
            "reference", "site_id", "customer", "subject", "category", "priority", "status",
            "opened", "resolved"], (
            [t.reference, t.customer.site_id, t.customer.name, t.subject, t.category,
             t.priority, t.status, t.created_at.isoformat(),
             t.resolved_at.isoformat() if t.resolved_at else ""] for t in tickets))
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {"filters": filters, "page": page})


@role_required(*EVERYONE_OF_PARTNER)
def ticket_create(request):
    user = request.user
    implied = user.role == Role.CUSTOMER_USER
    devices = Device.objects.filter(customer__in=customers_visible_to(user))
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
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Ticket %(reference)s is open.") % {
                "reference": ticket.reference})
            return redirect("ticket_detail", pk=ticket.pk)
    return render(request, "tickets/ticket_form.html", {"form": form})


@role_required(*EVERYONE_OF_PARTNER)
def ticket_detail(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user)
                               .select_related("customer", "device", "opened_by"), pk=pk)
    form = CommentForm()
    if request.user.role == Role.CUSTOMER_USER:
        del form.fields["internal"]
    statuses = [Ticket.Status(s) for s in Ticket.Status.values
                if s in services.allowed_statuses(ticket, request.user)]
    return render(request, "tickets/ticket_detail.html", {
        "ticket": ticket, "comments": services.visible_comments(ticket, request.user),
        "form": form, "statuses": statuses,
    })


@role_required(*EVERYONE_OF_PARTNER)
@require_POST
def ticket_comment(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        internal = form.cleaned_data["internal"] and request.user.role != Role.CUSTOMER_USER
        try:
            services.add_comment(ticket, user=request.user, body=form.cleaned_data["body"],
                                 internal=internal)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Write a message."))
    return redirect("ticket_detail", pk=ticket.pk)


@role_required(*EVERYONE_OF_PARTNER)
@require_POST
def ticket_status(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    try:
        services.change_status(ticket, request.POST.get("status", ""), user=request.user)
    except (ValidationError, ValueError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect("ticket_detail", pk=ticket.pk)
