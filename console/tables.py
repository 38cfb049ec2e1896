"""The console's replacement queue columns (`includes/table.html`). The queue is read across
partners in one query, in its own order: its columns do not sort. The rows of the
partners' list and the escalation queue."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from portal.lists import Column, status_badge


def _cell(name):
    return f"console/rma_cells/{name}.html"


def _rma_cell(name):
    return f"tickets/rma_cells/{name}.html"


RMA_QUEUE_COLUMNS = [
    Column(_("RMA"), _cell("reference")),
    Column(_("Partner"), _cell("partner")),
    Column(_("Customer"), _cell("customer")),
    Column(_("Device"), _cell("device")),
    Column(_("Status"), _rma_cell("status")),
    Column(_("Requested"), _rma_cell("requested")),
    Column(_("Promised ship date"), _rma_cell("promised_ship_date")),
    Column(_("Charge"), _cell("charge")),
]


# The console's other lists draw their rows here rather than in a template: fifty rows of
# cells were most of their pages' time.

def partner_rows(partners, user):
    """The rows of `console/partials/partner_table.html` (partners with their domains
    prefetched)."""
    linked = user.is_vendor_admin
    rows = []
    for partner in partners:
        name = (format_html('<a href="{}">{}</a>',
                            reverse("console_partner_detail", args=[partner.slug]),
                            partner.name) if linked else conditional_escape(partner.name))
        rows.append(format_html(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>"
            '<span class="swatch" style="background:{}"></span> '
            '<span class="swatch" style="background:{}"></span></td><td>{}</td></tr>',
            name, ", ".join(domain.domain for domain in partner.domains.all()),
            partner.get_default_language_display(), partner.primary_colour,
            partner.accent_colour, status_badge(partner)))
    return rows


def escalation_rows(tickets):
    """The rows of the escalation queue (crossschema.EscalatedTicket)."""
    rows = []
    for ticket in tickets:
        if ticket.breached:
            sla = format_html('<span class="sla-breached">{}</span>', gettext_now("Breached"))
        elif ticket.resolution_due_at and not ticket.resolved_at:
            sla = gettext_now("due %(due)s") % {"due": _short(ticket.resolution_due_at)}
        else:
            sla = "—"
        rows.append(format_html(
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{} <span class="muted">{}</span>'
            '</td><td>{}</td><td><span class="badge">{}</span></td><td>{}</td><td>{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            reverse("escalation_detail", args=[ticket.partner.slug, ticket.pk]),
            ticket.reference, ticket.partner.name, ticket.customer_name, ticket.site_id,
            ticket.subject, ticket.priority, ticket.get_status_display(),
            ticket.get_escalation_level_display(), _short(ticket.escalated_at), sla))
    return rows


def _short(moment):
    """`{{ moment|date:"SHORT_DATETIME_FORMAT" }}`: in the current time zone."""
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
