"""The console's replacement queue columns (`includes/table.html`). The queue is read across
partners in one query, in its own order: its columns do not sort. The rows of the
partners' list and the escalation queue."""

from django.conf import settings
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from portal import formats
from portal.lists import (
    DASH,
    Column,
    Words,
    html,
    link,
    row_url,
    short_date,
    short_datetime,
    status_badge,
    with_muted,
)
from portal.tenants.models import Partner
from portal.users.models import Role
from reporting.models import MonthlyReport
from tickets.models import Rma, Ticket
from tickets.rma.tables import promised_ship_date_cell, requested_cell
from tickets.tables import sla_cell


def _customer(row):
    return with_muted(row.customer_name, row.site_id)


def _device(row):
    return with_muted(row.serial, row.model_name)


def rma_queue_columns():
    """The replacement queue's columns, its words translated once for the table: fifty
    rows of a handful of statuses and lateness."""
    words = Words()

    def reference(row):
        return link(row_url("console_rma_detail", row.partner.slug, row.pk), row.reference)

    def status(row):
        return html('<span class="badge badge--{}">{}</span>', Rma.STATUS_TONES[row.status],
                    words.label(Rma, "status", row.status))

    def charge(row):
        if row.chargeable:
            return html('<span class="badge badge--failed">{}</span>', words("Chargeable"))
        return html('<span class="muted">{}</span>', words("Free"))

    return [
        Column(gettext_lazy("RMA"), reference, lead=True),
        Column(gettext_lazy("Partner"), lambda row: row.partner.name),
        Column(gettext_lazy("Customer"), _customer),
        Column(gettext_lazy("Device"), _device),
        Column(gettext_lazy("Status"), status, lead=True),
        Column(gettext_lazy("Requested"), requested_cell(words)),
        Column(gettext_lazy("Promised ship date"), promised_ship_date_cell(words)),
        Column(gettext_lazy("Charge"), charge),
    ]


def quote_columns(user):
    """The console's quotes: a CSM opens the quote's report (where its quotes are); the
    vendor administrator, who has no report pages, the partner."""
    if user.role == Role.CSM:
        def reference(row):
            return link(reverse("console_report_detail", args=[row.partner.slug,
                                                               row.report_id]), row.reference)

        def partner(row):
            return row.partner.name
    else:
        def reference(row):
            return row.reference

        def partner(row):
            return link(reverse("console_partner_detail", args=[row.partner.slug]),
                        row.partner.name)
    return [
        Column(gettext_lazy("Quote"), reference),
        Column(gettext_lazy("Partner"), partner),
        Column(gettext_lazy("Customer"), _customer),
        Column(gettext_lazy("Amount"), lambda row: formats.money(row.total, row.currency)),
        Column(gettext_lazy("Status"), status_badge),
        Column(gettext_lazy("Adjustment from"),
               lambda row: formats.month_year(row.adjustment_month)),
        Column(gettext_lazy("Issued"), lambda row: short_datetime(row.issued_at)),
        Column(gettext_lazy("Decided"), lambda row: short_date(row.decided_at)),
    ]


# The partners' list and the escalation queue draw their rows here too, with the same
# helpers: fifty rows of template cells were most of those pages' time.

# As includes/swatch.html draws a colour: the policy forbids style attributes.
_SWATCH = ('<svg class="swatch" viewBox="0 0 1 1" aria-hidden="true" focusable="false">'
           '<rect width="1" height="1" fill="{}"/></svg>')


# The partners' list's columns: (label, shown first on a narrow screen's cards).
PARTNER_COLUMNS = [
    (gettext_lazy("Partner"), True), (gettext_lazy("Domains"), False),
    (gettext_lazy("Language"), False), (gettext_lazy("Colours"), False),
    (gettext_lazy("Status"), True),
]


def _row_template(columns, cells=None):
    """A row's HTML with a `{}` per value: each cell names its column for the cards of a
    narrow screen, as includes/table.html does. `cells`: a cell's markup around its
    values, a `{}` for each (`{}` unless said)."""
    row = []
    for index, (label, lead) in enumerate(columns):
        opening = html('<td data-label="{}"{}>', label,
                       mark_safe(' class="cell--lead"') if lead else "")
        row.append(opening.replace("{", "{{").replace("}", "}}")
                   + (cells or {}).get(index, "{}") + "</td>")
    return "<tr>" + "".join(row) + "</tr>"


def partner_rows(partners, user):
    """The rows of `console/partials/partner_table.html` (crossschema.ListedPartner): each
    row fills in the table's markup once, each label translated once for the table."""
    linked = user.is_vendor_admin
    row_html = _row_template(PARTNER_COLUMNS, {
        0: '<a href="{}">{}</a>' if linked else "{}", 3: f"{_SWATCH} {_SWATCH}",
        4: '<span class="badge badge--{}">{}</span>'})
    words = Words()
    rows = []
    for partner in partners:
        rows.append(html(
            row_html,
            *((row_url("console_partner_detail", partner.slug), partner.name) if linked
              else (partner.name,)),
            partner.domain_names, words.label(Partner, "default_language",
                                              partner.default_language),
            partner.primary_colour, partner.accent_colour, Partner.STATUS_TONES[partner.status],
            words.label(Partner, "status", partner.status)))
    return rows


# The escalation queue's columns: (label, shown first on a narrow screen's cards).
ESCALATION_COLUMNS = [
    (gettext_lazy("Ticket"), True), (gettext_lazy("Partner"), False),
    (gettext_lazy("Customer"), False), (gettext_lazy("Subject"), False),
    (gettext_lazy("Priority"), True), (gettext_lazy("Status"), True),
    (gettext_lazy("Level"), False), (gettext_lazy("Escalated"), False),
    (gettext_lazy("SLA"), True),
]


def escalation_rows(tickets):
    """The rows of the escalation queue (crossschema.EscalatedTicket)."""
    sla = sla_cell()
    words = Words()
    # Each label translated once for the table, not once a row.
    statuses = {value: str(label) for value, label in Ticket.Status.choices}
    levels = {value: str(label) for value, label in Ticket.Level.choices}
    row_html = _row_template(ESCALATION_COLUMNS)
    return [html(
        row_html,
        link(row_url("escalation_detail", ticket.partner.slug, ticket.pk),
             ticket.reference),
        ticket.partner.name, with_muted(ticket.customer_name, ticket.site_id),
        ticket.subject, html('<span class="badge">{}</span>', ticket.priority),
        statuses[ticket.status], levels[ticket.escalation_level],
        words.short_datetime(ticket.escalated_at) if ticket.escalated_at else "",
        sla(ticket))
        for ticket in tickets]


def _count(value):
    """A figure as a template writes it (`{{ value }}`, localised)."""
    return str(value) if type(value) is int and not settings.USE_THOUSAND_SEPARATOR \
        else localize(value)


def assigned_customer_rows(rows):
    """The rows of a CSM's customers (crossschema.AssignedCustomer), as
    `console/includes/my_customer_rows.html` writes them: fifty customers of three
    categories each were a page's worth of template lookups and translations."""
    words = Words()
    # The catalogue's words as `{% translate %}` writes them: not escaped.
    labels = [SafeString(f'data-label="{words(label)}"') for label in (
        "Customer", "Site ID", "Partner", "Baseline vs actual", "True-up", "Country")]
    figures_text = words("%(label)s: %(actual)s of %(baseline)s (ordered %(ordered)s)")
    no_report = SafeString(f'<span class="muted">{words("No report yet")}</span>')
    due = SafeString(f'<span class="badge badge--failed">{words("True-up due")}</span>')
    within = SafeString(words("Within baseline"))
    countries = {}  # each country's name translated once for the table
    escaped = {}  # each category's label and each figure escaped once for the table

    def text(value):
        found = escaped.get(value)
        if found is None:
            found = escaped[value] = conditional_escape(
                _count(value) if type(value) is int else value)
        return found

    written = []
    for row in rows:
        customer, partner, latest = row.customer, row.partner, row.latest
        if latest:
            figures = "".join(
                "<div>" + figures_text % {
                    "label": text(line.label), "actual": text(line.actual),
                    "baseline": text(line.baseline), "ordered": text(line.ordered)}
                + "</div>" for line in latest.categories)
            figures += html('<span class="muted">{}</span>', formats.month_year(latest.month))
        else:
            figures = no_report
        written.append(html(
            '\n    <tr><td {} class="cell--lead"><a href="{}">{}</a></td>'
            '<td {} class="cell--lead">{}</td><td {}>{}</td>\n'
            "    <td {}>{}</td>\n"
            '    <td {} class="cell--lead">{}</td>\n'
            "    <td {}>{}</td></tr>\n  ",
            labels[0], row_url("console_my_customer_detail", partner.slug, customer.pk),
            customer.name, labels[1], customer.site_id, labels[2], partner.name,
            labels[3], SafeString(figures),
            labels[4], due if latest and latest.true_up_due else within if latest else DASH,
            labels[5], _country_name(customer.country, countries)))
    return written


def _country_name(country, names):
    name = names.get(country.code)
    if name is None:
        name = names[country.code] = country.name
    return name


def csm_report_rows(reports):
    """The rows of a CSM's reports (crossschema.CsmReport), as
    `console/includes/report_rows.html` writes them."""
    words = Words()
    awaiting = SafeString(' <span class="badge badge--provisioning">'
                          f'{words("Quote awaiting a purchase order")}</span>')
    return [html(
        "<tr>\n"
        '  <td><a href="{}">{}</a></td>\n'
        '  <td>{} <span class="muted">{}</span></td><td>{}</td>\n'
        "  <td>{}{}</td><td>{}</td></tr>",
        row_url("console_report_detail", report.partner.slug, report.pk),
        formats.month_year(report.month), report.customer_name, report.site_id,
        report.partner.name, words.label(MonthlyReport, "status", report.status),
        awaiting if report.quote_awaiting_po else "", formats.date_time(report.generated_at))
        for report in reports]
