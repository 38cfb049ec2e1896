"""The device list's columns (`includes/table.html`); each row is a (device, coverage)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lists import DASH, Column, Words, html, link, row_url, with_muted


def coverage_badge(coverage, _=_):
    """Covered or not, the reasons in the badge's title (also on the device's page); `_`
    translates (a table's `Words`)."""
    if coverage.covered:
        return html('<span class="badge badge--active">{}</span>', _("Covered"))
    return html('<span class="badge badge--failed" title="{}">{}</span>',
                       " ".join(str(message) for message in coverage.messages),
                       _("Not covered"))


def _serial(row):
    return link(row_url("device_detail", row.device.pk), row.device.serial)


def _model(row):
    return with_muted(row.device.product_model.name, row.device.product_model.sku)


def _customer(row):
    """`customer_name`, read with the device by the view."""
    return row.device.customer_name


def _place(row):
    site, room = row.device.site or DASH, row.device.room
    return f"{site} / {room}" if room else site


def _firmware(_):
    def cell(row):
        device = row.device
        if not device.firmware_outdated:
            return device.firmware_version or DASH
        return html('{} <span class="badge badge--provisioning" title="{}: {}">{}</span>',
                    device.firmware_version, _("Current"),
                    device.product_model.current_firmware, _("outdated"))
    return cell


def _status(words):
    def cell(row):
        return words.status(row.device)
    return cell


def _coverage(_):
    # A page's fifty devices have a handful of coverages between them: each badge (its
    # reasons translated) is written once.
    badges = {}

    def cell(row):
        badge = badges.get(row.coverage)
        if badge is None:
            badge = badges[row.coverage] = coverage_badge(row.coverage, _)
        return badge
    return cell


def _last_seen(words):
    def cell(row):
        return words.short_datetime(row.device.last_seen)
    return cell


def device_columns(user):
    """Partner staff also see whose device it is."""
    words = Words()
    columns = [
        Column(gettext_lazy("Serial number"), _serial, lead=True),
        Column(gettext_lazy("Model"), _model, sort="model"),
        None if user.is_customer_user else Column(gettext_lazy("Customer"), _customer,
                                                  sort="customer"),
        Column(format_lazy("{} / {}", gettext_lazy("Site"), gettext_lazy("Room")), _place),
        Column(gettext_lazy("Firmware"), _firmware(words)),
        Column(gettext_lazy("Status"), _status(words), sort="status", lead=True),
        Column(gettext_lazy("Coverage"), _coverage(words), lead=True),
        Column(gettext_lazy("Last seen"), _last_seen(words), sort="last_seen"),
    ]
    return [column for column in columns if column]
