"""The replacement list's columns (`includes/table.html`)."""

from django.utils.translation import gettext_lazy as _

from portal.lists import Column


def _cell(name):
    return f"tickets/rma_cells/{name}.html"


def rma_columns(user):
    """Partner staff also see whose replacement it is."""
    columns = [
        Column(_("RMA"), _cell("reference")),
        None if user.is_customer_user else Column(_("Customer"), "tickets/cells/customer.html",
                                                  sort="customer"),
        Column(_("Device"), _cell("device")),
        Column(_("Status"), _cell("status"), sort="status"),
        Column(_("Requested"), _cell("requested"), sort="requested"),
        Column(_("Promised ship date"), _cell("promised_ship_date"), sort="promised_ship_date"),
        Column(_("Replacement"), _cell("replacement")),
        Column(_("Charge"), _cell("charge")),
    ]
    return [column for column in columns if column]
