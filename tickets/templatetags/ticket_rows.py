"""`{% ticket_rows rows %}`: the short ticket tables of the dashboards, written here as the
list pages write their cells (portal.lists): an included template for each row's cells cost
the dashboard more than its queries."""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.formats import date_time
from portal.lists import html, row_url

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_rows(context, rows):
    """A ticket's reference, subject (and its customer's Site ID for partner staff),
    priority and resolution due; "Nothing here." without tickets."""
    if not rows:
        return html('<p class="empty">{}</p>\n', _("Nothing here."))
    staff = not context["user"].is_customer_user
    labels = [_("Ticket"), _("Subject"), _("Priority"), _("Due")]
    ticket_label, subject_label, priority_label, due_label = labels
    clock_stopped = _("Clock stopped")
    body = "".join(html(
        '<tr><td data-label="{}" class="cell--lead"><a href="{}">{}</a></td>'
        '<td data-label="{}">{}{}</td>'
        '<td data-label="{}" class="cell--lead"><span class="badge">{}</span></td>'
        '<td data-label="{}" class="cell--lead">{}</td></tr>',
        ticket_label, row_url("ticket_detail", ticket.pk), ticket.reference,
        subject_label, ticket.subject,
        html(' <span class="muted">{}</span>', ticket.customer.site_id) if staff else "",
        priority_label, ticket.priority,
        due_label, date_time(ticket.resolution_due_at) if ticket.resolution_due_at
        else clock_stopped) for ticket in rows)
    head = "".join(html("<th>{}</th>", label) for label in labels)
    return SafeString(f'\n<table class="table table--cards"><thead><tr>{head}</tr></thead>'
                      f"<tbody>\n{body}\n</tbody></table>\n\n")
