"""The vendor console's escalation queue (SPEC §7): escalated tickets of every partner,
worked by vendor support engineers inside the partner's schema."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from console import crossschema
from console.forms import EscalationFilterForm
from console.tables import escalation_rows
from portal.errors import add_to_messages
from portal.submissions.once import sent_once
from portal.tenants.schemas import active_partner
from portal.users.access import role_required
from portal.users.models import Role
from tickets import services
from tickets.models import Attachment, Ticket
from tickets.views import (
    attachment_response,
    detail_context,
    post_cloud,
    post_comment,
    post_escalation,
)

PAGE_SIZE = 50


def _page_number(request):
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def _pages(page, total):
    """What the cross-partner lists' pagination shows (their pages are a query's offset)."""
    return {"total": total, "page_number": page, "has_next": page * PAGE_SIZE < total,
            "has_previous": page > 1}


@role_required(Role.SUPPORT_ENGINEER)
def escalation_queue(request):
    filters = EscalationFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {"status": "open"}
    page = _page_number(request)
    tickets, total = crossschema.escalated_tickets(
        status=criteria.get("status", "open"), level=criteria.get("level", ""),
        query=criteria.get("q", "").strip(), partner_slug=criteria.get("partner", ""),
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "console/escalation_queue.html", {
        "filters": filters, "tickets": tickets, "rows": escalation_rows(tickets),
        **_pages(page, total)})


def _escalated(partner, pk):
    ticket = (Ticket.objects.select_related("customer", "device", "assignee", "opened_by")
              .exclude(escalation_level=Ticket.Level.PARTNER).filter(pk=pk).first())
    if ticket is None:
        raise Http404
    return ticket


def console_urls(partner, ticket):
    args = [partner.slug, ticket.pk]
    return {name: reverse(f"escalation_{name}", args=args)
            for name in ("comment", "status", "escalate", "cloud", "detail")}


@role_required(Role.SUPPORT_ENGINEER)
def escalation_detail(request, slug, pk):
    with active_partner(slug) as partner:
        ticket = _escalated(partner, pk)
        context = detail_context(ticket, request.user, console_urls(partner, ticket))
        # Read here, in the partner's schema; the page itself is drawn in the console's.
        for key in ("comments", "escalations", "cloud_notices", "history"):
            context[key] = list(context[key])
    context["partner"] = partner
    return render(request, "console/escalation_detail.html", context)


def _act(request, slug, pk, action):
    with active_partner(slug) as partner:
        ticket = _escalated(partner, pk)
        action(request, ticket)
        still_escalated = Ticket.objects.filter(pk=pk).exclude(
            escalation_level=Ticket.Level.PARTNER).exists()
    if not still_escalated:
        return redirect("escalation_queue")
    return redirect("escalation_detail", slug=slug, pk=pk)


@role_required(Role.SUPPORT_ENGINEER)
@require_POST
@sent_once
def escalation_comment(request, slug, pk):
    return _act(request, slug, pk, post_comment)


def _change_status(request, ticket):
    try:
        services.change_status(ticket, request.POST.get("status", ""), user=request.user)
    except ValidationError as error:
        add_to_messages(request, error)
    except ValueError as error:  # a status that does not exist
        messages.error(request, str(error))


@role_required(Role.SUPPORT_ENGINEER)
@require_POST
def escalation_status(request, slug, pk):
    return _act(request, slug, pk, _change_status)


@role_required(Role.SUPPORT_ENGINEER)
@require_POST
@sent_once
def escalation_escalate(request, slug, pk):
    return _act(request, slug, pk, post_escalation)


@role_required(Role.SUPPORT_ENGINEER)
@require_POST
@sent_once
def escalation_cloud(
request, slug, pk):
    return _act(request, slug, pk, post_cloud)


@role_required(Role.SUPPORT_ENGINEER)
def escalation_attachment(request, slug, pk, attachment_pk):
    with active_partner(slug) as partner:
        ticket = _escalated(partner, pk)
        attachment = Attachment.objects.filter(pk=attachment_pk, comment__ticket=ticket).first()
        if attachment is None:
            raise Http404
        return attachment_response(attachment)
