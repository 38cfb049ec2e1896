"""The ticket list's columns (`includes/table.html`)."""

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lists import DASH, Column, html, id_url, link, short_datetime, status_label, with_muted


def _reference(row):
    return link(id_url("ticket_detail", row.pk), row.reference)


def _subject(row):
    return row.subject


def customer(row):
    """A ticket's or a replacement's customer, with the Site ID."""
    return with_muted(row.customer.name, row.customer.site_id)


def _priority(row):
    return html('<span class="badge">{}</span>', row.priority)


def _status(staff):
    def cell(row):
        badges = []
        if staff and row.is_escalated:
            badges.append(("badge badge--provisioning", row.get_escalation_level_display()))
        if row.cloud_partner:
            badges.append(("badge", row.get_cloud_partner_display()))
        return html("{}{}", status_label(row), SafeString("".join(
            html(' <span class="{}">{}</span>', tone, label) for tone, label in badges)))
    return cell


def _assignee(row):
    return row.assignee.display_name if row.assignee else DASH


def _opened(row):
    return short_datetime(row.created_at)


def _sla(row):
    if row.sla_breached:
        return html('<span class="sla-breached">{}</span>', _("Breached"))
    if row.is_open and row.resolution_due_at:
        return _("due %(due)s") % {"due": short_datetime(row.resolution_due_at)}
    if row.is_open:
        return _("Clock stopped")
    return DASH


def ticket_columns(user):
    """Partner staff also see whose ticket it is and who handles it."""
    staff = not user.is_customer_user
    columns = [
        Column(gettext_lazy("Ticket"), _reference),
        Column(gettext_lazy("Subject"), _subject),
        Column(gettext_lazy("Customer"), customer, sort="customer") if staff else None,
        Column(gettext_lazy("Priority"), _priority, sort="priority"),
        Column(gettext_lazy("Status"), _status(staff), sort="status"),
        Column(gettext_lazy("Assignee"), _assignee) if staff else None,
        Column(gettext_lazy("Opened"), _opened, sort="opened"),
        Column(gettext_lazy("SLA"), _sla, sort="sla_due"),
    ]
    return [column for column in columns if column]
