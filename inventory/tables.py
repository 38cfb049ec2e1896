"""The device list's columns (`includes/table.html`); each row is a (device, coverage)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.lists import Column


def _cell(name):
    return f"inventory/cells/{name}.html"


def device_columns(user):
    """Partner staff also see whose device it is."""
    columns = [
        Column(_("Serial number"), _cell("serial")),
        Column(_("Model"), _cell("model"), sort="model"),
        None if user.is_customer_user else Column(_("Customer"), _cell("customer"),
                                                  sort="customer"),
        Column(format_lazy("{} / {}", _("Site"), _("Room")), _cell("place")),
        Column(_("Firmware"), _cell("firmware")),
        Column(_("Status"), _cell("status"), sort="status"),
        Column(_("Coverage"), _cell("coverage")),
        Column(_("Last seen"), _cell("last_seen"), sort="last_seen"),
    ]
    return [column for column in columns if column]
