"""The console's replacement queue columns (`includes/table.html`). The queue is read across
partners in one query, in its own order: its columns do not sort."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lists import Column, html, link, with_muted
from tickets.rma.tables import promised_ship_date, requested, status


def _reference(row):
    return link(reverse("console_rma_detail", args=[row.partner.slug, row.pk]), row.reference)


def _partner(row):
    return row.partner.name


def _customer(row):
    return with_muted(row.customer_name, row.site_id)


def _device(row):
    return with_muted(row.serial, row.model_name)


def _charge(row):
    if row.chargeable:
        return html('<span class="badge badge--failed">{}</span>', _("Chargeable"))
    return html('<span class="muted">{}</span>', _("Free"))


RMA_QUEUE_COLUMNS = [
    Column(gettext_lazy("RMA"), _reference),
    Column(gettext_lazy("Partner"), _partner),
    Column(gettext_lazy("Customer"), _customer),
    Column(gettext_lazy("Device"), _device),
    Column(gettext_lazy("Status"), status),
    Column(gettext_lazy("Requested"), requested),
    Column(gettext_lazy("Promised ship date"), promised_ship_date),
    Column(gettext_lazy("Charge"), _charge),
]
