"""The ticket list's columns (`includes/table.html`)."""

from django.utils.translation import gettext_lazy as _

from portal.lists import Column


def _cell(name):
    return f"tickets/cells/{name}.html"


def ticket_columns(user):
    """Partner staff also see whose ticket it is and who handles it."""
    staff = not user.is_customer_user
    columns = [
        Column(_("Ticket"), _cell("reference")),
        Column(_("Subject"), _cell("subject")),
        Column(_("Customer"), _cell("customer"), sort="customer") if staff else None,
        Column(_("Priority"), _cell("priority"), sort="priority"),
        Column(_("Status"), _cell("status"), sort="status"),
        Column(_("Assignee"), _cell("assignee")) if staff else None,
        Column(_("Opened"), _cell("opened"), sort="opened"),
        Column(_("SLA"), _cell("sla"), sort="sla_due"),
    ]
    return [column for column in columns if column]
