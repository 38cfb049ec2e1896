"""The vendor console's escalation queue (SPEC §7): escalated tickets of every partner,
worked by vendor support engineers inside the partner's schema."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from console import crossschema
from console.forms import EscalationFilterForm
from console.tables import escalation_rows
from portal.submissions.once import sent_once
from portal.tenants.schemas import active_partner
from portal.users.access import role_required
from portal.users.models import Role
from tickets import services as ticket_services
from tickets.attachments import attachment_response
from tickets.models import Attachment, Ticket
from tickets.views import detail_context, post_update, screen_form

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
    # Its people's names come with the page's other rows (tickets.services.ticket_page_rows).
    ticket = ticket_services.escalated_ticket(pk)
    if ticket is None:
        raise Http404
    return ticket


def console_urls(partner, ticket):
    args = [partner.slug, ticket.pk]
    return {name: reverse(f"escalation_{name}", args=args) for name in ("update", "detail")}


def _page(request, partner, ticket, form=None):
    """The ticket's page, its rows read here, in the partner's schema (the page itself is
    drawn in the console's)."""
    context = detail_context(ticket, request.user, console_urls(partner, ticket), form)
    context["partner"] = partner
    return context


@role_required(Role.SUPPORT_ENGINEER)
def escalation_detail(request, slug, pk):
    with active_partner(slug) as partner:
        context = _page(request, partner, _escalated(partner, pk))
    return render(request, "console/escalation_detail.html", context)


@role_required(Role.SUPPORT_ENGINEER)
@require_POST
@sent_once
def escalation_update(request, slug, pk):
    """The page's one *Update*: the engineer's answer or note, the status, the level and
    the cloud partner, together."""
    with active_partner(slug) as partner:
        ticket = _escalated(partner, pk)
        form = screen_form(ticket, request.user, request.POST, request.FILES)
        if post_update(request, ticket, form):
            still_escalated = Ticket.objects.filter(pk=pk).exclude(
                escalation_level=Ticket.Level.PARTNER).exists()
            if not still_escalated:  # handed back: no longer the console's
                return redirect("escalation_queue")
            return redirect("escalation_detail", slug=slug, pk=pk)
        context = _page(request, partner, ticket, form)
    return render(request, "console/escalation_detail.html", context, status=400)


@role_required(Role.SUPPORT_ENGINEER)
def escalation_attachment(request, slug, pk, attachment_pk):
    with active_partner(slug) as partner:
        ticket = _escalated(partner, pk)
        attachment = Attachment.objects.filter(pk=attachment_pk, comment__ticket=ticket).first()
        if attachment is None:
            raise Http404
        return attachment_response(attachment)
