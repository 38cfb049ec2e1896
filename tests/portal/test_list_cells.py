"""The list cells that translate their words once per table write, character for character,
what a cell translating each word again writes, in English and in French."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format, localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext

from contracts.models import Customer
from inventory.coverage import CoveredDevice
from inventory.models import Device
from inventory.tables import device_columns
from portal.catalogue.eligibility import Coverage, Reason
from portal.catalogue.models import ProductModel
from portal.lists import Table, short_datetime, table_rows
from tickets.models import Rma, Ticket
from tickets.rma.services import Lateness
from tickets.rma.tables import late_badge, rma_columns
from tickets.tables import ticket_columns

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
# The SLA cell's words, as the template said them.
OVER = {"response": "%(time)s over (response)", "resolution": "%(time)s over (resolution)"}
LEFT = {"response": "%(time)s left (response)", "resolution": "%(time)s left (resolution)"}
STAFF = SimpleNamespace(is_customer_user=False)


def only(table_columns, *labels):
    return [column for column in table_columns if str(column.label) in labels]


def rendered(columns, rows):
    return str(table_rows(Table(columns, rows, empty="")))


def expected(columns, rows, cells):
    """The rows as `table_rows` writes them, each cell made by `cells` (one function per
    column) with Django's own escaping and a translation for every word."""
    return "".join(
        "<tr>" + "".join(
            format_html('<td data-label="{}"{}>{}</td>', column.label,
                        format_html(' class="{}"', "cell--lead") if column.lead else "",
                        cell(row))
            for column, cell in zip(columns, cells, strict=True)) + "</tr>\n"
        for row in rows)


def tickets():
    customer = Customer(name="Contoso <Pharma>", site_id="S-1")
    fields = [
        {"status": "new", "response_due_at": NOW + timedelta(hours=2, minutes=10),
         "resolution_due_at": NOW + timedelta(days=1)},
        {"status": "in_progress", "first_response_at": NOW - timedelta(hours=5),
         "resolution_due_at": NOW - timedelta(hours=3), "escalation_level": "vendor",
         "cloud_partner": "teams"},
        {"status": "in_progress", "first_response_at": NOW,
         "resolution_due_at": NOW + timedelta(days=2, hours=4), "escalation_level": "specialist"},
        {"status": "new", "response_due_at": NOW - timedelta(minutes=25), "cloud_partner": "zoom"},
        {"status": "in_progress", "response_due_at": NOW + timedelta(hours=3)},
        {"status": "waiting"},
        {"status": "closed"},
        {"status": "resolved"},
    ]
    rows = []
    for number, values in enumerate(fields, start=1):
        ticket = Ticket(pk=number, customer=customer, subject="Subject", priority="p2",
                        created_at=NOW, **values)
        ticket.sla_breached = number == 7
        rows.append(ticket)
    return rows


def status_cell(staff):
    def cell(row):
        badges = ""
        if staff and row.is_escalated:
            badges += format_html(' <span class="badge badge--provisioning">{}</span>',
                                  row.get_escalation_level_display())
        if row.cloud_partner:
            badges += format_html(' <span class="badge">{}</span>',
                                  row.get_cloud_partner_display())
        return format_html("{}{}", row.get_status_display(), mark_safe(badges))
    return cell


def span(delta):
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours and minutes:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return gettext("%(hours)d h") % {"hours": hours}
    return gettext("%(minutes)d min") % {"minutes": minutes}


def sla(row):
    if row.next_target is None:
        if row.is_open:
            return gettext("Clock stopped")
        return format_html('<span class="sla sla--breached">{}</span>',
                           gettext("Breached")) if row.sla_breached else "—"
    target, due_at = row.next_target
    over = due_at <= NOW
    if over:
        state = "over"
        text = gettext(OVER[target]) % {"time": span(NOW - due_at)}
    else:
        state = "soon" if due_at - NOW <= timedelta(hours=4) else "ok"
        text = gettext(LEFT[target]) % {"time": span(due_at - NOW)}
    return format_html('<span class="sla sla--{}" title="{}">{}</span>', state,
                       gettext("due %(due)s") % {"due": short_datetime(due_at)}, text)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("staff", [True, False])
def test_ticket_status_and_sla_cells_write_what_each_translation_writes(language, staff,
                                                                       settings):
    settings.TICKET_SLA_WARNING_MINUTES = 4 * 60
    user = SimpleNamespace(is_customer_user=not staff)
    with translation.override(language):
        columns = only(ticket_columns(user, NOW), gettext("Status"), gettext("SLA"))
        rows = tickets()
        html = rendered(columns, rows)
        assert html == expected(columns, rows, [status_cell(staff), sla])
    assert ("de retard (réponse)" in html) == (language == "fr")


def devices():
    model = ProductModel(name="Headset", sku="H-1", current_firmware="2.0")
    rows = []
    for number, (status, firmware, covered) in enumerate(
            [("active", "2.0", True), ("active", "1.0", False), ("retired", "", False),
             ("active", "1.<5>", True)], start=1):
        device = Device(pk=number, serial=f"SN{number}", product_model=model, status=status,
                        firmware_version=firmware)
        device.customer_name = "Contoso <Pharma>"  # as the list reads it with the device
        coverage = Coverage(covered=covered, reasons=() if covered else (
            Reason.NO_ACTIVE_CONTRACT, Reason.END_OF_LIFE))
        rows.append(CoveredDevice(device, coverage))
    return rows


def firmware(row):
    device = row.device
    if not device.firmware_outdated:
        return device.firmware_version or "—"
    return format_html('{} <span class="badge badge--provisioning" title="{}: {}">{}</span>',
                       device.firmware_version, gettext("Current"),
                       device.product_model.current_firmware, gettext("outdated"))


def coverage(row):
    if row.coverage.covered:
        return format_html('<span class="badge badge--active">{}</span>', gettext("Covered"))
    return format_html('<span class="badge badge--failed" title="{}">{}</span>',
                       " ".join(str(message) for message in row.coverage.messages),
                       gettext("Not covered"))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_device_firmware_status_and_coverage_cells_write_what_each_translation_writes(
        language):
    with translation.override(language):
        columns = only(device_columns(STAFF), gettext("Customer"), gettext("Firmware"),
                       gettext("Status"), gettext("Coverage"))
        rows = devices()
        html = rendered(columns, rows)
        assert html == expected(
            columns, rows, [lambda row: row.device.customer_name, firmware,
                            lambda row: row.device.get_status_display(), coverage])
    assert ("Couvert" in html) == (language == "fr")
    assert ("contrat actif" in html) == (language == "fr")


def rmas():
    return [Rma(pk=number, status=status, chargeable=chargeable,
                charge=Decimal("1234.50") if chargeable else None)
            for number, (status, chargeable) in enumerate(
                [(status, index % 2 == 0) for index, status in enumerate(Rma.Status.values)],
                start=1)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_replacement_status_and_charge_cells_write_what_each_translation_writes(language):
    def charge(row):
        if row.chargeable:
            return format_html('<span class="badge badge--failed">{}</span>',
                               localize(row.charge))
        return format_html('<span class="muted">{}</span>', gettext("Free"))

    def status(row):
        return format_html('<span class="badge badge--{}">{}</span>',
                           Rma.STATUS_TONES[row.status], row.get_status_display())

    with translation.override(language):
        columns = only(rma_columns(STAFF), gettext("Status"), gettext("Charge"))
        rows = rmas()
        html = rendered(columns, rows)
        assert html == expected(columns, rows, [status, charge])
    assert ("Gratuit" in html) == (language == "fr")


def listed_rmas():
    """Replacements as the list reads them (tickets/rma/views.py): the devices' serials and
    the model's name as values of the row; late ones with their `late`."""
    rows = []
    for number, (replacement, late) in enumerate(
            [(None, None), ("R<2>", Lateness(1, 1)), ("", Lateness(12, 8))], start=1):
        rma = Rma(pk=number, status="approved",
                  requested_at=NOW - timedelta(days=number, hours=number * 5),
                  promised_ship_date=(NOW - timedelta(days=number * 3)).date())
        rma.customer_name, rma.customer_site_id = "Contoso <Pharma>", f"S-{number}"
        rma.device_serial, rma.model_name = f"SN<{number}>", "Headset & co"
        rma.replacement_serial = replacement
        if late:
            rma.late = late
        rows.append(rma)
    return rows


@pytest.mark.parametrize("language", ["en", "fr"])
def test_replacement_customer_device_dates_and_replacement_cells_write_what_they_wrote(
        language):
    def customer(row):
        return format_html('{} <span class="muted">{}</span>', row.customer_name,
                           row.customer_site_id)

    def device(row):
        return format_html('{} <span class="muted">{}</span>', row.device_serial,
                           row.model_name)

    def requested(row):
        return date_format(localtime(row.requested_at), "SHORT_DATETIME_FORMAT")

    def promised(row):
        day = date_format(row.promised_ship_date, "SHORT_DATE_FORMAT")
        late = getattr(row, "late", None)
        return format_html("{}<br>{}", day, late_badge(late)) if late else day

    def replacement(row):
        return "—" if row.replacement_serial is None else row.replacement_serial

    with translation.override(language), timezone.override("America/New_York"):
        columns = only(rma_columns(STAFF), gettext("Customer"), gettext("Device"),
                       gettext("Requested"), gettext("Promised ship date"),
                       gettext("Replacement"))
        rows = listed_rmas()
        html = rendered(columns, rows)
        assert html == expected(columns, rows,
                                [customer, device, requested, promised, replacement])
    assert ("jours de retard" in html) == (language == "fr")


def test_cells_escape_as_format_html_does():
    from django.utils.translation import gettext_lazy

    from portal.lists import html

    class Marked(str):
        def __html__(self):
            return "<i>marked</i>"

    args = ("<a & 'b'>", mark_safe("<b>"), 5, None, gettext_lazy("Status"), Marked("<x>"))
    assert html("{}|{}|{}|{}|{}|{}", *args) == format_html("{}|{}|{}|{}|{}|{}", *args)
