"""The customer and contract lists' columns (`includes/table.html`)."""

from django.utils.translation import gettext_lazy as _

from portal.lists import Column, link, row_url, short_date, status_badge


def _customer_name(row):
    return link(row_url("customer_detail", row.pk), row.name)


def _site_id(row):
    return row.site_id


def _city(row):
    return row.city


def _country(row):
    return row.country.name


CUSTOMER_COLUMNS = [
    Column(_("Customer"), _customer_name, sort="name", lead=True),
    Column(_("Site ID"), _site_id, sort="site_id", lead=True),
    Column(_("City"), _city),
    Column(_("Country"), _country),
]


def _contract_customer(row):
    return row.customer.name


def _contract_site_id(row):
    return row.customer.site_id


def _term(row):
    return link(row_url("contract_detail", row.pk),
                f"{short_date(row.start)} – {short_date(row.end)}")


def _categories(row):
    return ", ".join(str(line.get_category_display()) for line in row.lines.all())


def _status(row):
    return status_badge(row)


def contract_columns(show_customer=True):
    """`show_customer`: False on a customer's own page."""
    customer = [
        Column(_("Customer"), _contract_customer, sort="customer"),
        Column(_("Site ID"), _contract_site_id),
    ] if show_customer else []
    return [
        *customer,
        Column(_("Term"), _term, sort="start", lead=True),
        Column(_("Covered categories"), _categories),
        Column(_("Status"), _status, lead=True),
    ]
