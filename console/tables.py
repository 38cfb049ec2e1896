"""The console's replacement queue columns (`includes/table.html`). The queue is read across
partners in one query, in its own order: its columns do not sort."""

from django.utils.translation import gettext_lazy as _

from portal.lists import Column


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
