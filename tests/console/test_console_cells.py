"""The console's replacement queue writes its cells, words translated once for the table,
character for character as each cell translating its words again wrote them, in English
and in French."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse, set_urlconf
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext

from console.crossschema import PartnerRma
from console.tables import rma_queue_columns
from portal.lists import (
    Table,
    link,
    short_date,
    short_datetime,
    status_badge,
    table_rows,
    with_muted,
)
from portal.tenants.models import Partner
from tickets.models import Rma
from tickets.rma.services import Lateness
from tickets.rma.tables import late_badge

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def queue_rows():
    partners = [Partner(name="Alpha <Communications>", slug="alpha", reference_prefix="AC"),
                Partner(name="Beta Réseaux", slug="beta-reseaux", reference_prefix="BR")]
    lateness = [None, Lateness(1, 1), Lateness(3, 1), Lateness(1, 1), None]
    return [PartnerRma(partners[number % 2], number, status, "advance",
                       NOW - timedelta(hours=number), date(2026, 3, number % 9 + 1),
                       number % 3 == 0, f"SN-{number}<", "Voyager 4320", "Contoso & Co",
                       f"S-{number}", lateness[number % len(lateness)])
            for number, status in enumerate(Rma.Status.values * 2, start=1)]


def as_each_cell_wrote_it(row):
    """The queue's cells as they were: every word translated again, every link reversed."""
    promised = short_date(row.promised_ship_date) if row.late is None else format_html(
        "{}<br>{}", short_date(row.promised_ship_date), late_badge(row.late))
    charge = (format_html('<span class="badge badge--failed">{}</span>', gettext("Chargeable"))
              if row.chargeable else format_html('<span class="muted">{}</span>',
                                                 gettext("Free")))
    return [link(reverse("console_rma_detail", args=[row.partner.slug, row.pk]),
                 row.reference),
            row.partner.name, with_muted(row.customer_name, row.site_id),
            with_muted(row.serial, row.model_name), status_badge(row),
            short_datetime(row.requested_at), promised, charge]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_replacement_queue_writes_what_each_cell_wrote(language):
    set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
    try:
        with translation.override(language), timezone.override("Europe/Paris"):
            columns, rows = rma_queue_columns(), queue_rows()
            written = str(table_rows(Table(columns, rows, empty="")))
            expected = "".join(
                "<tr>" + "".join(
                    format_html('<td data-label="{}"{}>{}</td>', column.label,
                                format_html(' class="{}"', "cell--lead") if column.lead
                                else "", cell)
                    for column, cell in zip(columns, as_each_cell_wrote_it(row), strict=True))
                + "</tr>\n" for row in rows)
    finally:
        set_urlconf(None)
    assert written == expected
    assert ("/replacements/beta-reseaux/1/" in written) and ("BR-RMA-000001" in written)
    assert ("Gratuit" in written and "jours de retard" in written) == (language == "fr")


def _csm_rows():
    from django_countries.fields import Country

    from console.crossschema import (
        AssignedCustomer,
        CategoryFigures,
        CsmReport,
        CustomerSummary,
        LatestFigures,
    )

    partners = [Partner(name="Alpha <Communications>", slug="alpha", reference_prefix="AC"),
                Partner(name="Beta Réseaux", slug="beta-reseaux", reference_prefix="BR")]
    figures = [
        LatestFigures(date(2026, 2, 1), [CategoryFigures("Vidéo & <son>", 1234, 1300, 1500),
                                         CategoryFigures("Headsets", 0, 0, 0)], True),
        LatestFigures(date(2025, 12, 1), [CategoryFigures("Voice", 10, 12, 9)], False),
        LatestFigures(date(2026, 1, 1), [], False),
        None,
    ]
    customers = [AssignedCustomer(
        partners[number % 2], CustomerSummary(number, f"Smith & <Sons> {number}",
                                              f"S-{number}\"", "Lyon", Country(country),
                                              "Europe/Paris", "fr"), None, latest)
        for number, (latest, country) in enumerate(zip(figures, ["FR", "GB", "", "DE"],
                                                       strict=True), start=1)]
    reports = [CsmReport(partners[number % 2], number, number, date(2026, number, 1), status,
                         NOW - timedelta(days=number), None, f"O'Brien & <Co> {number}",
                         f"S-{number}", number % 2 == 0)
               for number, status in enumerate(["draft", "reviewed", "published"], start=1)]
    return customers, reports


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_csms_rows_are_written_as_their_templates_wrote_them(language):
    from django.template.loader import render_to_string

    from console.tables import assigned_customer_rows, csm_report_rows

    customers, reports = _csm_rows()
    set_urlconf("portal.urls_public")
    try:
        with translation.override(language), timezone.override("Europe/Paris"):
            written = "".join(assigned_customer_rows(customers))
            assert written == render_to_string("console/includes/my_customer_rows.html",
                                               {"rows": customers})
            assert "Smith &amp; &lt;Sons&gt; 1" in written and "1234" in written
            assert "<div>Vidéo &amp; &lt;son&gt;" in written
            written = "".join(csm_report_rows(reports))
            assert written == render_to_string("console/includes/report_rows.html",
                                               {"reports": reports})
            assert "O&#x27;Brien &amp; &lt;Co&gt; 1" in written
    finally:
        set_urlconf(None)
