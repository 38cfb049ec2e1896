"""The customer and contract lists' columns (`includes/table.html`)."""

from django.utils.translation import gettext_lazy as _

from portal.lists import Column


def _cell(name):
    return f"contracts/cells/{name}.html"


CUSTOMER_COLUMNS = [
    Column(_("Customer"), _cell("customer_name"), sort="name"),
    Column(_("Site ID"), _cell("site_id"), sort="site_id"),
    Column(_("City"), _cell("city")),
    Column(_("Country"), _cell("country")),
]


def contract_columns(show_customer=True):
    """`show_customer`: False on a customer's own page."""
    customer = [
        Column(_("Customer"), _cell("contract_customer"), sort="customer"),
        Column(_("Site ID"), _cell("contract_site_id")),
    ] if show_customer else []
    return [
        *customer,
        Column(_("Term"), _cell("term"), sort="start"),
        Column(_("Covered categories"), _cell("categories")),
        Column(_("Status"), _cell("status")),
    ]
