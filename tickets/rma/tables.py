"""The replacement list's columns (`includes/table.html`)."""

from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.lists import (
    DASH,
    Column,
    Words,
    html,
    link,
    row_url,
    with_muted,
)


def _reference(row):
    return link(row_url("rma_detail", row.pk), row.reference)


def _customer(row):
    """The customer, with the Site ID (`customer_name` and `customer_site_id`, read with the
    row by the view)."""
    return with_muted(row.customer_name, row.customer_site_id)


def device(row):
    """The replaced device's serial, with its model (`device_serial` and `model_name`, read
    with the row by the view)."""
    return with_muted(row.device_serial, row.model_name)


def _status(words):
    """`status`, the labels translated once for the table."""
    def cell(row):
        return html('<span class="badge badge--{}">{}</span>', row.STATUS_TONES[row.status],
                    words.status(row))
    return cell


def requested_cell(words):
    """`requested`, the reader's time zone and format read once for the table."""
    def cell(row):
        return words.short_datetime(row.requested_at)
    return cell


def late_badge(late):
    """"Late", with by how many days, calendar and business (see services.Lateness)."""
    if late is None:
        return ""
    days = ngettext("%(days)d day late", "%(days)d days late", late.calendar_days) % {
        "days": late.calendar_days}
    business = ngettext("%(days)d business day", "%(days)d business days",
                        late.business_days) % {"days": late.business_days}
    return html('<span class="badge badge--failed">{}</span> '
                '<span class="muted">{} ({})</span>', _("Late"), days, business)


def promised_ship_date_cell(words):
    """`promised_ship_date`, the reader's format read once for the table, and each late
    badge (a handful of lateness across the rows) written once."""
    badges = {}

    def cell(row):
        late = getattr(row, "late", None)
        if late is None:
            return words.short_date(row.promised_ship_date)
        badge = badges.get(late)
        if badge is None:
            badge = badges[late] = late_badge(late)
        return html("{}<br>{}", words.short_date(row.promised_ship_date), badge)
    return cell


def _replacement(row):
    """`replacement_serial`, read with the row by the view: None without a replacement."""
    return row.replacement_serial if row.replacement_serial is not None else DASH


def _charge(_):
    def cell(row):
        if row.chargeable:
            return html('<span class="badge badge--failed">{}</span>', localize(row.charge))
        return html('<span class="muted">{}</span>', _("Free"))
    return cell


def rma_columns(user):
    """Partner staff also see whose replacement it is."""
    words = Words()
    columns = [
        Column(gettext_lazy("RMA"), _reference, lead=True),
        None if user.is_customer_user else Column(gettext_lazy("Customer"), _customer,
                                                  sort="customer"),
        Column(gettext_lazy("Device"), device),
        Column(gettext_lazy("Status"), _status(words), sort="status", lead=True),
        Column(gettext_lazy("Requested"), requested_cell(words), sort="requested"),
        Column(gettext_lazy("Promised ship date"), promised_ship_date_cell(words),
               sort="promised_ship_date"),
        Column(gettext_lazy("Replacement"), _replacement),
        Column(gettext_lazy("Charge"), _charge(words)),
    ]
    return [column for column in columns if column]
